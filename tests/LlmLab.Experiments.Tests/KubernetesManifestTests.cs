using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Xunit.Abstractions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace LlmLab.Experiments.Tests;

/// <summary>
/// The Indexed Job that <c>sweep --executor kubernetes</c> writes, read back by a YAML parser and checked against
/// the batch/v1 Job schema below (field names and types as the Kubernetes API reference gives them, and the
/// validation rules the API server applies to Indexed Jobs): every field must be known and of its type, required
/// ones present. Where kubectl can reach a cluster, <c>kubectl apply --dry-run=client</c> checks it as well; without
/// one, kubectl cannot validate at all (it fetches the schema from the server), and the test says so in its output.
/// </summary>
public sealed partial class KubernetesManifestTests(ITestOutputHelper output) : IDisposable
{
    private readonly HostHarness _host = new();

    public void Dispose() => _host.Dispose();

    [Fact]
    public void TheJobIsAValidIndexedJobWithOneIndexPerPoint()
    {
        var (code, text) = _host.Run([TestExperiments.ToyTrain()],
            "sweep", "toy-train", "--grid", "LearningRate=0.1,0.2,0.3", "--grid", "Steps=2,3", "--executor", "kubernetes",
            "--image", "registry.example/llmlab-lifecycle:1.0", "--claim", "llmlab-runs", "--mount", "/runs",
            "--cpus", "2", "--memory", "4G", "--gpus", "1", "--time", "1:30:00", "--parallel", "3");
        Assert.True(code == ExitCodes.Done, text);
        string sweep = Directory.GetDirectories(Path.Combine(_host.Runs, "toy-train"), "sweep-*").Single();
        string file = Path.Combine(sweep, "kubernetes-0.yaml");
        // Printed, not applied: the whole output is the manifest, its other lines YAML comments.
        static string Yaml(string text) => string.Join('\n', text.Split('\n').Where(l => !l.StartsWith('#') && l.Length > 0));
        Assert.Equal(Yaml(File.ReadAllText(file)), Yaml(text));
        Assert.Contains($"# written to {file}; start it with: kubectl apply -f {file}", text);

        var job = Load(text);
        Assert.Empty(JobSchema.Check(job));
        var spec = (YamlMappingNode)job["spec"];
        Assert.Equal(("Indexed", "6", "3", "1"), (Scalar(spec, "completionMode"), Scalar(spec, "completions"), Scalar(spec, "parallelism"), Scalar(spec, "backoffLimitPerIndex")));
        var pod = Map(Map(spec, "template"), "spec");
        Assert.Equal(("Never", "5400", "120"), (Scalar(pod, "restartPolicy"), Scalar(pod, "activeDeadlineSeconds"), Scalar(pod, "terminationGracePeriodSeconds")));
        var container = (YamlMappingNode)((YamlSequenceNode)pod["containers"])[0];
        Assert.Equal("registry.example/llmlab-lifecycle:1.0", Scalar(container, "image"));
        // The sweep folder as the pods see it: under the claim's mount, at the same place relative to the runs folder.
        Assert.Equal(["run-point", $"/runs/toy-train/{Path.GetFileName(sweep)}"], Strings(container, "args"));
        Assert.Equal(("2", "4Gi"), (Scalar(Map(Map(container, "resources"), "requests"), "cpu"), Scalar(Map(Map(container, "resources"), "requests"), "memory")));
        Assert.Equal("1", Scalar(Map(Map(container, "resources"), "limits"), "nvidia.com/gpu"));
        Assert.Equal("llmlab-runs", Scalar(Map((YamlMappingNode)((YamlSequenceNode)pod["volumes"])[0], "persistentVolumeClaim"), "claimName"));

        KubectlDryRun(file);
    }

    [Fact]
    public void AResumedJobListsOnlyThePointsNotDone()
    {
        var (code, text) = _host.Run([TestExperiments.ToyTrain()],
            "sweep", "toy-train", "--grid", "LearningRate=0.1,0.2,0.3,0.4", "--executor", "kubernetes", "--image", "llmlab:1", "--claim", "runs");
        Assert.True(code == ExitCodes.Done, text);
        string sweep = Directory.GetDirectories(Path.Combine(_host.Runs, "toy-train"), "sweep-*").Single();
        Assert.Equal(ExitCodes.Done, _host.Run([TestExperiments.ToyTrain()], "run-point", sweep, "1").Code);

        (code, text) = _host.Run([TestExperiments.ToyTrain()], "sweep", "resume", sweep, "--parallel", "2", "--retries", "3");
        Assert.True(code == ExitCodes.Done, text);
        var job = Load(File.ReadAllText(Path.Combine(sweep, "kubernetes-1.yaml")));
        Assert.Empty(JobSchema.Check(job));
        var spec = (YamlMappingNode)job["spec"];
        Assert.Equal(("3", "2", "3"), (Scalar(spec, "completions"), Scalar(spec, "parallelism"), Scalar(spec, "backoffLimitPerIndex")));
        Assert.EndsWith("-r1", Scalar((YamlMappingNode)job["metadata"], "name"));
        var container = (YamlMappingNode)((YamlSequenceNode)Map(Map(spec, "template"), "spec")["containers"])[0];
        Assert.Equal(["run-point", Path.Combine(_host.Runs, "toy-train", Path.GetFileName(sweep)), "--indices", "0,2-3"], Strings(container, "args"));
    }

    [Fact]
    public void TheSchemaCatchesWhatTheApiServerWouldRefuse()
    {
        const string broken = """
            apiVersion: batch/v1
            kind: Job
            metadata:
              name: Not_A_Name
            spec:
              completionMode: Indexed
              backoffLimitPerIndex: 1
              paralelism: 2
              template:
                spec:
                  restartPolicy: Always
                  containers:
                    - image: x
                      args: run-point
                      volumeMounts:
                        - name: runs
                          mountPath: /runs
                      resources:
                        requests:
                          memory: 4 gigs
            """;
        var problems = JobSchema.Check(Load(broken));
        string[] expected =
        [
            "metadata.name: 'Not_A_Name' is not a DNS-1123 label",
            "spec.paralelism: JobSpec has no field 'paralelism'",
            "spec.completions: an Indexed Job needs completions",
            "spec.template.spec.restartPolicy: 'Always' is not one of Never, OnFailure",
            "spec.template.spec.containers[0]: Container needs 'name'",
            "spec.template.spec.containers[0].args: expected a list",
            "spec.template.spec.containers[0].resources.requests.memory: '4 gigs' is not a quantity",
            "spec.template.spec.containers[0].volumeMounts[0].name: no volume is named 'runs'",
        ];
        foreach (string problem in expected) Assert.Contains(problem, problems);
    }

    private static YamlMappingNode Load(string yaml)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            Assert.Fail($"not YAML: {e.Message}\n{yaml}");
        }
        return Assert.IsType<YamlMappingNode>(Assert.Single(stream.Documents).RootNode);
    }

    private static YamlMappingNode Map(YamlMappingNode node, string key) => (YamlMappingNode)node[key];

    private static string Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node[key]).Value!;

    private static List<string> Strings(YamlMappingNode node, string key) => [.. ((YamlSequenceNode)node[key]).Select(n => ((YamlScalarNode)n).Value!)];

    // kubectl validates against the server's OpenAPI document, so it needs a cluster even for a client dry run.
    private void KubectlDryRun(string file)
    {
        var version = Kubectl("version", "--request-timeout=5s", "-o", "json");
        if (version is null)
        {
            output.WriteLine("kubectl is not installed: the Job was checked against the schema in this test only");
            return;
        }
        if (version.Value.ExitCode != 0 || !version.Value.Output.Contains("serverVersion", StringComparison.Ordinal))
        {
            output.WriteLine("kubectl reaches no cluster (it validates with the server's schema): the Job was checked against the schema in this test only");
            return;
        }
        var dryRun = Kubectl("apply", "--dry-run=client", "-f", file)!.Value;
        Assert.True(dryRun.ExitCode == 0, $"kubectl apply --dry-run=client refused the Job: {dryRun.Output}");
        output.WriteLine($"kubectl apply --dry-run=client: {dryRun.Output.Trim()}");
    }

    private static (int ExitCode, string Output)? Kubectl(params string[] arguments)
    {
        var start = new ProcessStartInfo("kubectl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        try
        {
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(60))) { process.Kill(true); return (-1, "timed out"); }
            return (process.ExitCode, stdout.Result + stderr.Result);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    /// <summary>
    /// batch/v1 Job as far as the sweep's manifest reaches into it: each object's fields with their types (the
    /// objects it never writes into are "any object"), the required ones, the enumerations, and the Job rules for
    /// Indexed completion with per-index backoff.
    /// </summary>
    private static partial class JobSchema
    {
        private abstract record Shape;
        private sealed record Text(params string[] OneOf) : Shape;
        private sealed record Whole : Shape;
        private sealed record Flag : Shape;
        private sealed record Quantity : Shape;
        private sealed record MapOf(Shape Value) : Shape;
        private sealed record ListOf(Shape Item) : Shape;
        private sealed record AnyObject : Shape;
        private sealed record Object(string Name, Dictionary<string, Shape> Fields, params string[] Required) : Shape;

        private static readonly Shape Any = new AnyObject();
        private static readonly Shape Str = new Text();
        private static readonly Shape Int = new Whole();
        private static readonly Shape Bool = new Flag();
        private static readonly Shape Strings = new ListOf(Str);

        private static readonly Object ObjectMeta = new("ObjectMeta", new()
        {
            ["name"] = Str, ["generateName"] = Str, ["namespace"] = Str, ["labels"] = new MapOf(Str), ["annotations"] = new MapOf(Str),
            ["ownerReferences"] = new ListOf(Any), ["finalizers"] = Strings, ["uid"] = Str, ["resourceVersion"] = Str,
            ["generation"] = Int, ["creationTimestamp"] = Str, ["deletionTimestamp"] = Str, ["deletionGracePeriodSeconds"] = Int,
            ["managedFields"] = new ListOf(Any), ["selfLink"] = Str,
        });

        private static readonly Object EnvVar = new("EnvVar", new() { ["name"] = Str, ["value"] = Str, ["valueFrom"] = Any }, "name");

        private static readonly Object ResourceRequirements = new("ResourceRequirements", new()
        {
            ["limits"] = new MapOf(new Quantity()), ["requests"] = new MapOf(new Quantity()), ["claims"] = new ListOf(Any),
        });

        private static readonly Object VolumeMount = new("VolumeMount", new()
        {
            ["name"] = Str, ["mountPath"] = Str, ["readOnly"] = Bool, ["subPath"] = Str, ["subPathExpr"] = Str,
            ["mountPropagation"] = new Text("None", "HostToContainer", "Bidirectional"), ["recursiveReadOnly"] = Str,
        }, "name", "mountPath");

        private static readonly Object Container = new("Container", new()
        {
            ["name"] = Str, ["image"] = Str, ["command"] = Strings, ["args"] = Strings, ["workingDir"] = Str,
            ["env"] = new ListOf(EnvVar), ["envFrom"] = new ListOf(Any), ["resources"] = ResourceRequirements,
            ["volumeMounts"] = new ListOf(VolumeMount), ["volumeDevices"] = new ListOf(Any), ["ports"] = new ListOf(Any),
            ["imagePullPolicy"] = new Text("Always", "Never", "IfNotPresent"), ["securityContext"] = Any,
            ["livenessProbe"] = Any, ["readinessProbe"] = Any, ["startupProbe"] = Any, ["lifecycle"] = Any,
            ["terminationMessagePath"] = Str, ["terminationMessagePolicy"] = new Text("File", "FallbackToLogsOnError"),
            ["stdin"] = Bool, ["stdinOnce"] = Bool, ["tty"] = Bool, ["resizePolicy"] = new ListOf(Any), ["restartPolicy"] = Str,
        }, "name");

        private static readonly Object PersistentVolumeClaimSource = new("PersistentVolumeClaimVolumeSource",
            new() { ["claimName"] = Str, ["readOnly"] = Bool }, "claimName");

        private static readonly Object Volume = new("Volume", new()
        {
            ["name"] = Str, ["persistentVolumeClaim"] = PersistentVolumeClaimSource, ["hostPath"] = Any, ["emptyDir"] = Any,
            ["nfs"] = Any, ["configMap"] = Any, ["secret"] = Any, ["csi"] = Any, ["ephemeral"] = Any, ["projected"] = Any,
        }, "name");

        private static readonly Object PodSpec = new("PodSpec", new()
        {
            ["containers"] = new ListOf(Container), ["initContainers"] = new ListOf(Container), ["volumes"] = new ListOf(Volume),
            ["restartPolicy"] = new Text("Always", "OnFailure", "Never"), ["terminationGracePeriodSeconds"] = Int,
            ["activeDeadlineSeconds"] = Int, ["nodeSelector"] = new MapOf(Str), ["serviceAccountName"] = Str,
            ["securityContext"] = Any, ["imagePullSecrets"] = new ListOf(Any), ["affinity"] = Any, ["tolerations"] = new ListOf(Any),
            ["priorityClassName"] = Str, ["schedulerName"] = Str, ["hostname"] = Str, ["subdomain"] = Str,
            ["dnsPolicy"] = Str, ["runtimeClassName"] = Str, ["topologySpreadConstraints"] = new ListOf(Any),
        }, "containers");

        private static readonly Object PodTemplateSpec = new("PodTemplateSpec", new() { ["metadata"] = ObjectMeta, ["spec"] = PodSpec });

        private static readonly Object JobSpec = new("JobSpec", new()
        {
            ["activeDeadlineSeconds"] = Int, ["backoffLimit"] = Int, ["backoffLimitPerIndex"] = Int,
            ["completionMode"] = new Text("NonIndexed", "Indexed"), ["completions"] = Int, ["managedBy"] = Str,
            ["manualSelector"] = Bool, ["maxFailedIndexes"] = Int, ["parallelism"] = Int, ["podFailurePolicy"] = Any,
            ["podReplacementPolicy"] = new Text("TerminatingOrFailed", "Failed"), ["selector"] = Any, ["successPolicy"] = Any,
            ["suspend"] = Bool, ["template"] = PodTemplateSpec, ["ttlSecondsAfterFinished"] = Int,
        }, "template");

        private static readonly Object Job = new("Job", new()
        {
            ["apiVersion"] = new Text("batch/v1"), ["kind"] = new Text("Job"), ["metadata"] = ObjectMeta, ["spec"] = JobSpec, ["status"] = Any,
        }, "apiVersion", "kind", "metadata", "spec");

        public static List<string> Check(YamlMappingNode job)
        {
            var problems = new List<string>();
            Walk(job, Job, "", problems);
            Rules(job, problems);
            return problems;
        }

        private static void Walk(YamlNode node, Shape shape, string path, List<string> problems)
        {
            switch (shape)
            {
                case AnyObject:
                    if (node is not YamlMappingNode) problems.Add($"{path}: expected an object");
                    break;
                case Object obj when node is YamlMappingNode map:
                    foreach (var (keyNode, value) in map.Children)
                    {
                        string key = ((YamlScalarNode)keyNode).Value!;
                        string at = path.Length == 0 ? key : $"{path}.{key}";
                        if (obj.Fields.TryGetValue(key, out var field)) Walk(value, field, at, problems);
                        else problems.Add($"{at}: {obj.Name} has no field '{key}'");
                    }
                    foreach (string required in obj.Required)
                        if (!map.Children.ContainsKey(new YamlScalarNode(required))) problems.Add($"{path}: {obj.Name} needs '{required}'");
                    break;
                case Object:
                    problems.Add($"{path}: expected an object");
                    break;
                case MapOf mapOf when node is YamlMappingNode map:
                    foreach (var (key, value) in map.Children) Walk(value, mapOf.Value, $"{path}.{((YamlScalarNode)key).Value}", problems);
                    break;
                case ListOf listOf when node is YamlSequenceNode list:
                    for (int i = 0; i < list.Children.Count; i++) Walk(list.Children[i], listOf.Item, $"{path}[{i}]", problems);
                    break;
                case ListOf:
                    problems.Add($"{path}: expected a list");
                    break;
                case Text text when node is YamlScalarNode scalar && IsString(scalar):
                    if (text.OneOf.Length > 0 && !text.OneOf.Contains(scalar.Value))
                        problems.Add($"{path}: '{scalar.Value}' is not one of {string.Join(", ", text.OneOf.Order(StringComparer.Ordinal))}");
                    break;
                case Whole when node is YamlScalarNode { Style: ScalarStyle.Plain } scalar && long.TryParse(scalar.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _):
                    break;
                case Flag when node is YamlScalarNode { Style: ScalarStyle.Plain, Value: "true" or "false" }:
                    break;
                case Quantity when node is YamlScalarNode scalar:
                    if (!QuantityText().IsMatch(scalar.Value ?? "")) problems.Add($"{path}: '{scalar.Value}' is not a quantity");
                    break;
                default:
                    problems.Add($"{path}: expected {shape.GetType().Name.ToLowerInvariant()}, got '{(node as YamlScalarNode)?.Value ?? node.NodeType.ToString()}'");
                    break;
            }
        }

        // A quoted scalar is a string; a plain one only when it does not read as a number, a boolean or null.
        private static bool IsString(YamlScalarNode scalar) =>
            scalar.Style != ScalarStyle.Plain
            || !(double.TryParse(scalar.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out _) || scalar.Value is "true" or "false" or "null" or "~" or "");

        private static void Rules(YamlMappingNode job, List<string> problems)
        {
            YamlNode? Get(YamlNode? node, string key) =>
                node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;
            string? Value(YamlNode? node, string key) => (Get(node, key) as YamlScalarNode)?.Value;

            var metadata = Get(job, "metadata");
            var spec = Get(job, "spec");
            var pod = Get(Get(spec, "template"), "spec");
            string? name = Value(metadata, "name");
            long completions = long.TryParse(Value(spec, "completions"), CultureInfo.InvariantCulture, out long c) ? c : -1;

            if (name is null || !DnsLabel().IsMatch(name) || name.Length > 63) problems.Add($"metadata.name: '{name}' is not a DNS-1123 label");
            // Pods of an Indexed Job are named NAME-INDEX, and that too must be a label.
            else if (completions > 0 && name.Length + 1 + (completions - 1).ToString(CultureInfo.InvariantCulture).Length > 63)
                problems.Add($"metadata.name: '{name}' is too long for its pods' host names");
            foreach (var labels in new[] { Get(metadata, "labels"), Get(Get(Get(spec, "template"), "metadata"), "labels") })
                if (labels is YamlMappingNode map)
                    foreach (var (key, value) in map.Children)
                        if (!LabelKey().IsMatch(((YamlScalarNode)key).Value!) || !LabelValue().IsMatch(((YamlScalarNode)value).Value ?? ""))
                            problems.Add($"label '{key}: {value}' is not a valid label");

            bool indexed = Value(spec, "completionMode") == "Indexed";
            if (indexed && completions < 0) problems.Add("spec.completions: an Indexed Job needs completions");
            if (indexed && completions > 100_000) problems.Add("spec.completions: an Indexed Job has at most 100000");
            if (long.TryParse(Value(spec, "parallelism"), CultureInfo.InvariantCulture, out long parallelism) && parallelism < 0)
                problems.Add("spec.parallelism: must not be negative");
            if (Get(spec, "backoffLimitPerIndex") is not null)
            {
                if (!indexed) problems.Add("spec.backoffLimitPerIndex: only for completionMode Indexed");
                if (Value(pod, "restartPolicy") != "Never") problems.Add("spec.backoffLimitPerIndex: needs the pod's restartPolicy Never");
            }
            if (Value(pod, "restartPolicy") is { } restart && restart is not ("Never" or "OnFailure"))
                problems.Add($"spec.template.spec.restartPolicy: '{restart}' is not one of Never, OnFailure");

            var volumes = (Get(pod, "volumes") as YamlSequenceNode)?.Select(v => Value(v, "name")).ToHashSet() ?? [];
            var containers = Get(pod, "containers") as YamlSequenceNode;
            for (int i = 0; containers is not null && i < containers.Children.Count; i++)
            {
                string at = $"spec.template.spec.containers[{i}]";
                if (Value(containers[i], "name") is { } container && !DnsLabel().IsMatch(container)) problems.Add($"{at}.name: '{container}' is not a DNS-1123 label");
                if (Get(containers[i], "volumeMounts") is YamlSequenceNode mounts)
                    for (int m = 0; m < mounts.Children.Count; m++)
                        if (Value(mounts[m], "name") is { } mount && !volumes.Contains(mount))
                            problems.Add($"{at}.volumeMounts[{m}].name: no volume is named '{mount}'");
            }
        }

        [GeneratedRegex(@"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$")]
        private static partial Regex QuantityText();

        [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
        private static partial Regex DnsLabel();

        [GeneratedRegex(@"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")]
        private static partial Regex LabelKey();

        [GeneratedRegex(@"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")]
        private static partial Regex LabelValue();
    }
}
