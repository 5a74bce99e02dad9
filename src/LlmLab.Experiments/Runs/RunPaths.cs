namespace LlmLab.Experiments;

/// <summary>The files of a run folder (runs/NAME/&lt;UTC time&gt;-&lt;config hash&gt;/), by name, in one place.</summary>
public sealed record RunPaths(string Folder)
{
    public string Config => Path.Combine(Folder, "config.yaml");
    public string Environment => Path.Combine(Folder, "environment.json");
    public string Status => Path.Combine(Folder, "run.json");
    public string Metrics => Path.Combine(Folder, "metrics.jsonl");
    /// <summary>Tables, plots and summaries the steps recorded: what report.md and report.json are rendered from.</summary>
    public string Results => Path.Combine(Folder, "results.json");
    public string Log => Path.Combine(Folder, "log.txt");
    public string ReportMarkdown => Path.Combine(Folder, "report.md");
    public string ReportJson => Path.Combine(Folder, "report.json");
    public string Plots => Path.Combine(Folder, "plots");
    public string Checkpoints => Path.Combine(Folder, "checkpoints");

    /// <summary>The paths of the run in <paramref name="folder"/>, made absolute and without a trailing separator.</summary>
    public static RunPaths Of(string folder) => new(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));

    /// <summary>The folder's own name: "20250304-050607-0a1b2c3d".</summary>
    public string Name => Path.GetFileName(Path.TrimEndingDirectorySeparator(Folder));

    /// <summary>True when <paramref name="folder"/> looks like a run folder (it has a config.yaml).</summary>
    public static bool IsRunFolder(string folder) => File.Exists(Path.Combine(folder, "config.yaml"));
}
