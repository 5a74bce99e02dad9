using System.Globalization;
using System.Text.RegularExpressions;

namespace LlmLab.Experiments;

/// <summary>
/// The executor options of <c>sweep</c> and <c>sweep resume</c>: which executor, and its resources. Each option
/// belongs to some executors only; one given to another is a usage error, never ignored. <c>sweep resume</c> starts
/// from what sweep.json recorded and each option given replaces one setting.
/// </summary>
internal static partial class ExecutorOptions
{
    private static readonly string[] SlurmOnly = ["partition", "sbatch", "setup"];
    private static readonly string[] KubernetesOnly = ["image", "claim", "mount", "apply", "retries"];
    private static readonly string[] ClusterOnly = ["parallel", "time", "cpus", "memory", "gpus", "worker"];

    /// <summary>Every executor option's name, for the commands that take none.</summary>
    public static IEnumerable<string> All => ["executor", .. SlurmOnly, .. KubernetesOnly, .. ClusterOnly];

    public static ExecutorSettings Parse(CommandLine line, ExecutorSettings? recorded)
    {
        var kind = line.Single("executor") is { } name ? Kind(name) : recorded?.Kind ?? SweepExecutor.Local;
        foreach (string option in All.Where(line.Has))
        {
            bool fits = kind switch
            {
                SweepExecutor.Local => option == "executor",
                SweepExecutor.Slurm => !KubernetesOnly.Contains(option),
                _ => !SlurmOnly.Contains(option),
            };
            if (fits) continue;
            if (option == "parallel" && kind == SweepExecutor.Local)
                throw new ExperimentConfigException("--parallel is for --executor slurm or kubernetes: the local executor runs one point at a time, "
                    + "since each point's backend already uses every core of this machine");
            string owners = SlurmOnly.Contains(option) ? "--executor slurm" : KubernetesOnly.Contains(option) ? "--executor kubernetes" : "--executor slurm or kubernetes";
            throw new ExperimentConfigException($"--{option} is an option of {owners}, not of --executor {ExecutorSettings.Name(kind)}");
        }

        // Resuming with the same executor keeps its settings; another executor starts from its defaults.
        var settings = recorded is not null && recorded.Kind == kind ? recorded : new ExecutorSettings(kind);
        settings = settings with
        {
            Parallel = line.Single("parallel") is { } parallel ? Whole(parallel, "--parallel", 1) : settings.Parallel,
            Partition = line.Single("partition") is { } partition ? Word(partition, "--partition") : settings.Partition,
            Time = line.Single("time") is { } time ? Time(time) : settings.Time,
            Cpus = line.Single("cpus") is { } cpus ? Whole(cpus, "--cpus", 1) : settings.Cpus,
            Memory = line.Single("memory") is { } memory ? Memory(memory) : settings.Memory,
            Gpus = line.Single("gpus") is { } gpus ? Whole(gpus, "--gpus", 1) : settings.Gpus,
            Sbatch = line.Has("sbatch") ? [.. line.All("sbatch").Select(SbatchLine)] : settings.Sbatch,
            Setup = line.Has("setup") ? [.. line.All("setup").Select(s => OneLine(s, "--setup"))] : settings.Setup,
            Worker = line.Single("worker") is { } worker ? Worker(worker) : settings.Worker,
            Image = line.Single("image") is { } image ? Word(image, "--image") : settings.Image,
            Claim = line.Single("claim") is { } claim ? Claim(claim) : settings.Claim,
            Mount = line.Single("mount") is { } mount ? Mount(mount) : settings.Mount,
            Retries = line.Single("retries") is { } retries ? Whole(retries, "--retries", 0) : settings.Retries,
        };
        if (kind == SweepExecutor.Kubernetes)
        {
            if (settings.Image is null)
                throw new ExperimentConfigException("--executor kubernetes needs --image IMAGE: a container image whose entrypoint is this experiment host");
            if (settings.Claim is null)
                throw new ExperimentConfigException("--executor kubernetes needs --claim NAME: the PersistentVolumeClaim that holds the runs folder, which every pod mounts");
        }
        return settings;
    }

    public static SweepExecutor Kind(string name) => name.Trim().ToLowerInvariant() switch
    {
        "local" => SweepExecutor.Local,
        "slurm" => SweepExecutor.Slurm,
        "kubernetes" or "k8s" => SweepExecutor.Kubernetes,
        _ => throw new ExperimentConfigException($"--executor '{name}' is not one of local, slurm, kubernetes"
            + Suggestions.DidYouMean(name, ["local", "slurm", "kubernetes"])),
    };

    /// <summary>Seconds in a Slurm time limit: M, M:S, H:M:S, D-H, D-H:M or D-H:M:S; null when the text is none of them.</summary>
    public static long? TimeSeconds(string text)
    {
        var match = SlurmTime().Match(text);
        if (!match.Success) return null;
        long Part(string group) => match.Groups[group].Success ? long.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture) : 0;
        if (match.Groups["days"].Success)
            return ((Part("days") * 24 + Part("dh")) * 60 + Part("dm")) * 60 + Part("ds");
        // Without days: one number is minutes, two are minutes:seconds, three hours:minutes:seconds.
        long[] parts = [.. text.Split(':').Select(p => long.Parse(p, CultureInfo.InvariantCulture))];
        return parts.Length switch
        {
            1 => parts[0] * 60,
            2 => parts[0] * 60 + parts[1],
            _ => (parts[0] * 60 + parts[1]) * 60 + parts[2],
        };
    }

    /// <summary>"8G" as Kubernetes writes it ("8Gi"); Slurm takes the text as it is.</summary>
    public static string KubernetesQuantity(string memory) => memory[..^1] + (memory[^1] == 'G' ? "Gi" : "Mi");

    private static int Whole(string text, string option, int min) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value >= min
            ? value
            : throw new ExperimentConfigException($"{option} expects a whole number of at least {min}, got '{text}'");

    private static string Time(string text) =>
        TimeSeconds(text.Trim()) is > 0 ? text.Trim()
        : throw new ExperimentConfigException($"--time expects a Slurm time limit (minutes, H:MM:SS or D-HH:MM:SS), got '{text}'");

    private static string Memory(string text)
    {
        string upper = text.Trim().ToUpperInvariant();
        return MemorySize().IsMatch(upper) ? upper
            : throw new ExperimentConfigException($"--memory expects a whole number with M or G (512M, 8G), got '{text}'");
    }

    // "account=lab" and "--account=lab" both become "--account=lab".
    private static string SbatchLine(string text)
    {
        string line = OneLine(text, "--sbatch").Trim();
        if (line.Length == 0) throw new ExperimentConfigException("--sbatch expects an sbatch option such as account=lab, got nothing");
        return line.StartsWith('-') ? line : "--" + line;
    }

    private static string OneLine(string text, string option) =>
        text.Contains('\n') || text.Contains('\r') ? throw new ExperimentConfigException($"{option} takes one line; give it once per line") : text;

    private static string Word(string text, string option) =>
        text.Length > 0 && !text.Any(char.IsWhiteSpace) ? text
        : throw new ExperimentConfigException($"{option} expects one word without spaces, got '{text}'");

    private static IReadOnlyList<string> Worker(string text)
    {
        var parts = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return parts.Length > 0 ? parts : throw new ExperimentConfigException("--worker expects a command, such as '/opt/llmlab/Lifecycle'");
    }

    private static string Claim(string text) =>
        DnsName().IsMatch(text) && text.Length <= 253 ? text
        : throw new ExperimentConfigException($"--claim expects a PersistentVolumeClaim's name (lower-case letters, digits, '-' and '.'), got '{text}'");

    private static string Mount(string text) =>
        text.StartsWith('/') && text.TrimEnd('/').Length > 0 && !text.Any(char.IsWhiteSpace) ? text.TrimEnd('/')
        : throw new ExperimentConfigException($"--mount expects an absolute path inside the container (not /), got '{text}'");

    [GeneratedRegex(@"^(?:(?<days>\d+)-(?<dh>\d+)(?::(?<dm>\d+)(?::(?<ds>\d+))?)?|\d+(?::\d+){0,2})$")]
    private static partial Regex SlurmTime();

    [GeneratedRegex(@"^[1-9][0-9]*[MG]$")]
    private static partial Regex MemorySize();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")]
    private static partial Regex DnsName();
}
