using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace LlmLab.Experiments;

/// <summary>
/// <c>--executor kubernetes</c>: a batch/v1 Indexed Job (one completion index per point) written as
/// SWEEPDIR/kubernetes-N.yaml; applied with <c>kubectl apply</c> under --apply, printed otherwise (the other lines
/// are YAML comments, so the output pipes into <c>kubectl apply -f -</c>). Every pod mounts the PersistentVolumeClaim
/// that holds the runs folder and runs <c>run-point SWEEPDIR</c>, which takes its index from JOB_COMPLETION_INDEX.
/// A resubmission of some points lists them with --indices: a Job's indices always count from 0.
/// </summary>
internal static partial class KubernetesExecutor
{
    /// <summary>Seconds a pod has between SIGTERM and SIGKILL: time to finish a step and write a checkpoint.</summary>
    public const int GraceSeconds = 120;

    public static int Submit(string sweepFolder, SweepRecord sweep, IReadOnlyList<int> indices, bool apply, HostSession session)
    {
        var console = session.Console;
        int number = sweep.Submissions.Count;
        string name = JobName(sweep.Experiment, Path.GetFileName(sweepFolder), number);
        string file = Path.Combine(sweepFolder, $"kubernetes-{number}.yaml");
        string manifest = Manifest(sweepFolder, sweep, indices, name);
        LlmLab.IO.AtomicFile.WriteAllText(file, manifest);
        string shown = HostConsole.Display(file), folder = HostConsole.Display(sweepFolder);

        if (!apply)
        {
            // Recorded all the same: whoever applies the file by hand can follow it with sweep status.
            SweepSubmitter.Record(sweepFolder, sweep, new SweepSubmission(number, SweepExecutor.Kubernetes, name, indices, DateTime.UtcNow, Path.GetFileName(file)));
            console.Line(manifest.TrimEnd('\n'));
            console.Line($"# written to {shown}; start it with: kubectl apply -f {shown} (or give sweep --apply)");
            console.Line($"# then: sweep status {folder}");
            return ExitCodes.Done;
        }

        var before = SweepSubmitter.MarkQueued(sweepFolder, sweep, indices);
        var result = ExternalCommand.Run("kubectl", ["apply", "-f", file]);
        if (!result.Succeeded)
        {
            SweepSubmitter.Restore(before);
            throw new SweepSubmitException(result.Missing
                ? $"kubectl is not installed here; the Job is written to {shown} for whoever can apply it"
                : $"kubectl apply -f {shown} failed: {result.LastLine}");
        }
        SweepSubmitter.Record(sweepFolder, sweep, new SweepSubmission(number, SweepExecutor.Kubernetes, name, indices, DateTime.UtcNow, Path.GetFileName(file)));
        console.Line($"applied {shown}: {result.Output.Trim()}");
        console.Line($"follow it with: sweep status {folder} (pods: kubectl get pods -l job-name={name})");
        return ExitCodes.Done;
    }

    /// <summary>The Job as YAML: a header comment, then the manifest.</summary>
    public static string Manifest(string sweepFolder, SweepRecord sweep, IReadOnlyList<int> indices, string name)
    {
        var settings = sweep.Executor;
        // The runs folder holds EXPERIMENT/sweep-TIME; pods see it where the claim is mounted.
        string runsRoot = Path.GetDirectoryName(Path.GetDirectoryName(sweepFolder)!)!;
        string mount = settings.Mount ?? runsRoot;
        string inPod = mount.TrimEnd('/') + "/" + Path.GetRelativePath(runsRoot, sweepFolder).Replace('\\', '/');
        bool all = indices.Count == sweep.Points.Count && indices.Order().SequenceEqual(Enumerable.Range(0, sweep.Points.Count));
        var args = new JsonArray("run-point", inPod);
        if (!all) { args.Add("--indices"); args.Add(PointRunner.Ranges(indices)); }

        var container = new JsonObject { ["name"] = "point", ["image"] = settings.Image };
        if (settings.Worker is { } worker) container["command"] = new JsonArray([.. worker.Select(w => JsonValue.Create(w))]);
        container["args"] = args;
        var requests = new JsonObject();
        var limits = new JsonObject();
        if (settings.Cpus is { } cpus) requests["cpu"] = cpus.ToString(CultureInfo.InvariantCulture);
        if (settings.Memory is { } memory)
        {
            requests["memory"] = ExecutorOptions.KubernetesQuantity(memory);
            limits["memory"] = ExecutorOptions.KubernetesQuantity(memory);
        }
        if (settings.Gpus is { } gpus) limits["nvidia.com/gpu"] = gpus.ToString(CultureInfo.InvariantCulture);
        if (requests.Count + limits.Count > 0)
        {
            var resources = new JsonObject();
            if (requests.Count > 0) resources["requests"] = requests;
            if (limits.Count > 0) resources["limits"] = limits;
            container["resources"] = resources;
        }
        container["volumeMounts"] = new JsonArray(new JsonObject { ["name"] = "runs", ["mountPath"] = mount });

        var pod = new JsonObject
        {
            // Never: a failed point is retried as a new pod, counted per index (backoffLimitPerIndex requires it).
            ["restartPolicy"] = "Never",
            ["terminationGracePeriodSeconds"] = GraceSeconds,
        };
        if (settings.Time is { } time && ExecutorOptions.TimeSeconds(time) is { } seconds) pod["activeDeadlineSeconds"] = seconds;
        pod["containers"] = new JsonArray(container);
        pod["volumes"] = new JsonArray(new JsonObject
        {
            ["name"] = "runs",
            ["persistentVolumeClaim"] = new JsonObject { ["claimName"] = settings.Claim },
        });

        var labels = new JsonObject { ["app.kubernetes.io/managed-by"] = "llmlab", ["llmlab-sweep"] = Label(Path.GetFileName(sweepFolder)) };
        var spec = new JsonObject
        {
            ["completionMode"] = "Indexed",
            ["completions"] = indices.Count,
            ["parallelism"] = Math.Min(settings.Parallel ?? indices.Count, indices.Count),
            // Each index retried on its own (Kubernetes 1.29 and later); a retry resumes from the point's checkpoint.
            ["backoffLimitPerIndex"] = settings.Retries ?? 1,
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = labels.DeepClone() },
                ["spec"] = pod,
            },
        };
        var job = new JsonObject
        {
            ["apiVersion"] = "batch/v1",
            ["kind"] = "Job",
            ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = labels },
            ["spec"] = spec,
        };

        var text = new StringBuilder();
        text.Append($"# LlmLab sweep of {sweep.Experiment}: {indices.Count} of {sweep.Points.Count} points as an Indexed Job. Written by `sweep`;\n");
        text.Append("# `sweep status` follows it, `sweep resume` writes a Job for the points not done.\n");
        Yaml(job, 0, text);
        return text.ToString();
    }

    /// <summary>
    /// The Job's name: llmlab-EXPERIMENT-TIME (and -rN for the Nth resubmission), a DNS label short enough that the
    /// pods' host names (NAME-INDEX) stay within 63 characters.
    /// </summary>
    public static string JobName(string experiment, string sweepFolderName, int number)
    {
        string time = sweepFolderName.StartsWith("sweep-", StringComparison.Ordinal) ? sweepFolderName["sweep-".Length..] : sweepFolderName;
        string suffix = "-" + time + (number > 0 ? "-r" + number.ToString(CultureInfo.InvariantCulture) : "");
        string head = Label("llmlab-" + experiment);
        head = head[..Math.Min(head.Length, Math.Max(1, 52 - suffix.Length))].TrimEnd('-');
        return Label(head + suffix);
    }

    // Lower-case letters, digits and '-', starting and ending with a letter or digit.
    private static string Label(string text)
    {
        string label = NotInLabel().Replace(text.ToLowerInvariant(), "-").Trim('-');
        label = label.Length > 63 ? label[..63].TrimEnd('-') : label;
        return label.Length > 0 ? label : "llmlab";
    }

    /// <summary>
    /// Block YAML of a JSON tree. Strings are written as JSON strings, which YAML reads as double-quoted scalars:
    /// no value (a path, a command) can turn into another type or break the structure.
    /// </summary>
    private static void Yaml(JsonNode? node, int indent, StringBuilder text)
    {
        string pad = new(' ', indent);
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    text.Append(pad).Append(Key(key)).Append(':');
                    if (value is JsonObject { Count: > 0 } or JsonArray { Count: > 0 })
                    {
                        text.Append('\n');
                        Yaml(value, indent + 2, text);
                    }
                    else text.Append(' ').Append(Scalar(value)).Append('\n');
                }
                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    if (item is JsonObject { Count: > 0 } child)
                    {
                        // "- " then the object's keys, each indented to line up with the first.
                        var inner = new StringBuilder();
                        Yaml(child, indent + 2, inner);
                        string body = inner.ToString();
                        text.Append(pad).Append("- ").Append(body[(indent + 2)..]);
                    }
                    else text.Append(pad).Append("- ").Append(Scalar(item)).Append('\n');
                }
                break;
        }
    }

    private static string Key(string key) => PlainKey().IsMatch(key) ? key : JsonSerializer.Serialize(key, ReportJsonCodec.Options);

    private static string Scalar(JsonNode? value) => value switch
    {
        null => "null",
        JsonObject => "{}",
        JsonArray => "[]",
        _ => value.ToJsonString(ReportJsonCodec.Options),
    };

    [GeneratedRegex("[^a-z0-9-]+")]
    private static partial Regex NotInLabel();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_./-]*$")]
    private static partial Regex PlainKey();
}
