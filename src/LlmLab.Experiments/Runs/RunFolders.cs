using System.Globalization;

namespace LlmLab.Experiments;

/// <summary>
/// Names and makes run folders: ROOT/EXPERIMENT/&lt;UTC yyyyMMdd-HHmmss&gt;-&lt;config hash&gt;/, with plots/ and
/// checkpoints/ inside. Two runs of the same configuration started in the same second get "-2", "-3", ... after.
/// </summary>
public static class RunFolders
{
    public static string Name(DateTime utc, string hash) =>
        utc.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" + hash;

    public static RunPaths Create(string root, RunConfig config, DateTime utc)
    {
        var paths = new RunPaths(CreateUnique(Path.Combine(root, config.Experiment), Name(utc, config.Hash)));
        Directory.CreateDirectory(paths.Plots);
        Directory.CreateDirectory(paths.Checkpoints);
        return paths;
    }

    /// <summary>ROOT/EXPERIMENT/sweep-&lt;UTC yyyyMMdd-HHmmss&gt;/.</summary>
    public static string CreateSweep(string root, string experiment, DateTime utc) =>
        CreateUnique(Path.Combine(root, experiment), "sweep-" + utc.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));

    private static string CreateUnique(string parent, string name)
    {
        Directory.CreateDirectory(parent);
        for (int attempt = 1; ; attempt++)
        {
            string folder = Path.GetFullPath(Path.Combine(parent, attempt == 1 ? name : $"{name}-{attempt}"));
            if (Directory.Exists(folder)) continue;
            Directory.CreateDirectory(folder);
            return folder;
        }
    }
}
