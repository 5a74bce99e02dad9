using LlmLab.Experiments;
using LlmLab.Generated;
using LlmLab.Testing;
using Xunit.Abstractions;

namespace Lifecycle.Tests;

/// <summary>
/// The reproducibility contract of the examples: the quick profile of every experiment in the project runs on the
/// cpu backend and its report.md, scrubbed of times, paths and timings, equals the verified snapshot in
/// Snapshots/NAME.verified.md; and two runs with the same seed give byte-identical scrubbed reports.
/// </summary>
public class ReproducibilityTests(ITestOutputHelper output)
{
    public static TheoryData<string> Experiments => new(ExperimentRegistry.All.Select(e => e.Name));

    [Fact]
    public void Every_example_has_a_quick_profile()
    {
        foreach (var experiment in ExperimentRegistry.All)
            Assert.True(experiment.Profiles.Any(p => p.Name == "quick"), $"{experiment.Name} has no quick profile");
    }

    [Theory, MemberData(nameof(Experiments))]
    public void The_quick_report_matches_its_snapshot(string name) =>
        Snapshot.Match(RunQuick(name), name, "md");

    [Fact]
    public void The_same_seed_gives_the_same_report_twice()
    {
        const string name = "pretrain-tiny-gpt";
        Assert.Equal(RunQuick(name), RunQuick(name));
    }

    private string RunQuick(string name)
    {
        string runs = Directory.CreateTempSubdirectory("llmlab-snapshot-").FullName;
        try
        {
            var console = new StringWriter();
            int exit = ExperimentHost.Run(["run", name, "--profile", "quick", "--backend", "cpu", "--seed", "1337"],
                ExperimentRegistry.All, console, runs);
            output.WriteLine(console.ToString());
            Assert.True(exit == 0, $"run {name} exited with {exit}:\n{console}");
            string report = Directory.EnumerateFiles(runs, "report.md", SearchOption.AllDirectories).Single();
            return ReportScrubber.Scrub(File.ReadAllText(report));
        }
        finally
        {
            Directory.Delete(runs, recursive: true);
        }
    }
}
