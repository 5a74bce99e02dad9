using LlmLab.IO;
using LlmLab.Training;

namespace LlmLab.Experiments.Tests;

/// <summary>Run folder names, the config hash, config.yaml, atomic writes and metrics.jsonl.</summary>
public sealed class RunFolderTests : IDisposable
{
    private readonly HostHarness _host = new();

    public void Dispose() => _host.Dispose();

    private static RunConfig Config(string steps = "8", ulong seed = 1337) =>
        new("toy-train", seed, "cpu", null, [new("Steps", steps), new("LearningRate", "0.1"), new("Optimizer", "sgd")]);

    [Fact]
    public void ConfigHashIsStableAndPinned()
    {
        // Pinned: a change to the canonical text changes every run folder's name, so it must be deliberate.
        Assert.Equal("experiment=toy-train\nseed=1337\nbackend=cpu\nLearningRate=0.1\nOptimizer=sgd\nSteps=8\n", Config().CanonicalText);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("experiment=toy-train\nseed=1337\nbackend=cpu\nLearningRate=0.1\nOptimizer=sgd\nSteps=8\n"u8))[..8], Config().Hash);
        Assert.Equal(Config().Hash, Config().Hash);
        Assert.Equal(Config().Hash, (Config() with { Profile = "quick" }).Hash); // same resolved values, same configuration
        Assert.NotEqual(Config().Hash, Config(steps: "9").Hash);
        Assert.NotEqual(Config().Hash, Config(seed: 1).Hash);
        Assert.Matches("^[0-9a-f]{8}$", Config().Hash);
    }

    [Fact]
    public void FolderIsNamedByUtcTimeAndHashAndNeverReused()
    {
        var time = new DateTime(2025, 3, 4, 5, 6, 7, DateTimeKind.Utc);
        var first = RunFolders.Create(_host.Runs, Config(), time);
        var second = RunFolders.Create(_host.Runs, Config(), time);

        Assert.Equal(Path.Combine(_host.Runs, "toy-train", $"20250304-050607-{Config().Hash}"), first.Folder);
        Assert.Equal(first.Folder + "-2", second.Folder);
        Assert.True(Directory.Exists(first.Plots) && Directory.Exists(first.Checkpoints));
    }

    [Fact]
    public void SameCommandGivesTheSameHashInTheFolderName()
    {
        _host.Run([TestExperiments.ToyTrain()], "run", "toy-train", "--set", "Optimizer=adam", "--set", "steps=5");
        _host.Run([TestExperiments.ToyTrain()], "run", "toy-train", "--set", "steps=5", "--set", "optimizer=adam");
        var names = _host.RunFolders("toy-train").Select(Path.GetFileName).ToList();
        Assert.Equal(2, names.Count);
        Assert.All(names, n => Assert.Matches(@"^\d{8}-\d{6}-[0-9a-f]{8}(-\d+)?$", n));
        Assert.Equal(names[0]![16..24], names[1]![16..24]);
    }

    [Fact]
    public void ConfigYamlRoundTripsAwkwardValues()
    {
        var config = new RunConfig("exp", 42, "cpu", "quick",
            [new("Empty", ""), new("Colon", "a: b"), new("Hash", "x # y"), new("Null", "null"), new("Negative", "-0.5"), new("Dash", "-x"), new("Unicode", "w²"), new("Spaces", " padded ")]);
        string path = Path.Combine(_host.Root, "config.yaml");
        File.WriteAllText(path, RunConfigYaml.Write(config));

        var read = RunConfigYaml.Read(path);
        Assert.Equal(config.Parameters, read.Parameters);
        Assert.Equal((config.Experiment, config.Seed, config.Backend, config.Profile), (read.Experiment, read.Seed, read.Backend, read.Profile));
        Assert.Null(RunConfigYaml.Read(WriteConfig(config with { Profile = null })).Profile);
    }

    private string WriteConfig(RunConfig config)
    {
        string path = Path.Combine(_host.Root, Guid.NewGuid().ToString("N") + ".yaml");
        File.WriteAllText(path, RunConfigYaml.Write(config));
        return path;
    }

    [Fact]
    public void MalformedConfigYamlIsAConfigurationErrorWithItsPosition()
    {
        string path = Path.Combine(_host.Root, "config.yaml");
        File.WriteAllText(path, "experiment: x\nseed: [oops\n");
        var error = Assert.Throws<ExperimentConfigException>(() => RunConfigYaml.Read(path));
        Assert.Contains("config.yaml(", error.Message);
    }

    [Fact]
    public void AtomicWriteReplacesWholeAndLeavesNoTemporaryFile()
    {
        string path = Path.Combine(_host.Root, "sub", "file.json");
        AtomicFile.WriteAllText(path, "first");
        AtomicFile.WriteAllText(path, "second, longer");
        Assert.Equal("second, longer", File.ReadAllText(path));
        Assert.Equal(["file.json"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
    }

    [Fact]
    public void AtomicWriteThatFailsLeavesTheOldFileAndNoTemporary()
    {
        string folder = Path.Combine(_host.Root, "target");
        AtomicFile.WriteAllText(Path.Combine(_host.Root, "old.txt"), "old");
        Directory.CreateDirectory(folder); // a folder where the file should go: the final rename fails
        Assert.ThrowsAny<IOException>(() => AtomicFile.WriteAllText(folder, "new"));
        Assert.Equal("old", File.ReadAllText(Path.Combine(_host.Root, "old.txt")));
        Assert.Empty(Directory.GetFiles(_host.Root, "*.tmp"));
    }

    [Fact]
    public void MetricsReadKeepsTheLastValuePerStepAndSkipsAHalfWrittenLine()
    {
        string path = Path.Combine(_host.Root, "metrics.jsonl");
        new MetricsLog(path).Append(1, ("train_loss", 3.0));
        new MetricsLog(path).Append(2, ("train_loss", 2.5), ("lr", 0.1));
        new MetricsLog(path).Append(2, ("train_loss", 2.4)); // a resumed run repeating step 2
        new MetricsLog(path).Append(3, ("train_loss", double.NaN));
        File.AppendAllText(path, "{\"step\": 4, \"train_lo"); // killed mid-line

        Assert.Equal("{\"step\": 1, \"train_loss\": 3}", File.ReadLines(path).First());
        var series = MetricsLog.Read(path);
        Assert.Equal(["train_loss", "lr"], series.Select(s => s.Name));
        var loss = series[0].Points;
        Assert.Equal([1L, 2L, 3L], loss.Select(p => p.Step));
        Assert.Equal(2.4, loss[1].Value);
        Assert.True(double.IsNaN(loss[2].Value));
    }
}
