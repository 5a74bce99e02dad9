using System.Text.Json.Nodes;
using LlmLab.Training;

namespace LlmLab.Experiments.Tests;

/// <summary>Numbers, sentences and the contents of report.md and report.json.</summary>
public sealed class ReportTests : IDisposable
{
    private readonly HostHarness _host = new();

    public void Dispose() => _host.Dispose();

    [Theory]
    [InlineData(2.30514, "2.305")]
    [InlineData(12345.6, "12350")]
    [InlineData(0.000123456, "0.0001235")]
    [InlineData(1.5e-7, "1.5e-07")]
    [InlineData(9.99951, "10")]
    [InlineData(-0.0186549, "-0.01865")]
    [InlineData(0.1, "0.1")]
    [InlineData(1234567.0, "1234567")] // a count stays whole
    [InlineData(1234567.3, "1235000")]
    [InlineData(0.0, "0")]
    [InlineData(double.NaN, "NaN")]
    public void NumbersShowFourSignificantDigits(double value, string expected) =>
        Assert.Equal(expected, NumberFormat.Significant(value));

    [Theory]
    [InlineData(0.0123, "12.3 ms")]
    [InlineData(12.345, "12.35 s")]
    [InlineData(600, "10 min")]
    [InlineData(9000, "2.5 h")]
    public void DurationsCarryTheirUnit(double seconds, string expected) =>
        Assert.Equal(expected, NumberFormat.Duration(seconds));

    private static ReportTable Table(string[] columns, params object[][] rows) =>
        new("t", columns, [.. rows.Select(r => (IReadOnlyList<ReportCell>)[.. r.Select(ReportCell.From)])]);

    [Fact]
    public void SentenceNamesBestAndWorstForALowerIsBetterColumn() =>
        Assert.Equal("By perplexity (lower is better), int8 is best at 3.21 and q4_0 worst at 3.9 (21.5% higher) across 3 rows.",
            SentenceWriter.ForTable(Table(["model", "perplexity"], ["fp32", 3.3], ["int8", 3.21], ["q4_0", 3.9])));

    [Fact]
    public void SentenceNamesBestAndWorstForAHigherIsBetterColumn() =>
        Assert.Equal("By rouge1 (higher is better), lora is best at 0.42 and full worst at 0.35 (16.7% lower).",
            SentenceWriter.ForTable(Table(["method", "trainable parameters", "rouge1"], ["lora", 1000, 0.42], ["full", 100000, 0.35])));

    [Fact]
    public void SentenceWithoutADirectionSaysHighestAndLowestAndTheRatio() =>
        Assert.Equal("By trainable parameters, lora is lowest at 1000 and full highest at 100000 (100× as high).",
            SentenceWriter.ForTable(Table(["method", "trainable parameters"], ["lora", 1000], ["full", 100000])));

    [Fact]
    public void SentenceSaysWhenEveryRowIsTheSameOrThereIsOneRow()
    {
        Assert.Equal("All 2 rows have the same loss (2).", SentenceWriter.ForTable(Table(["run", "loss"], ["a", 2.0], ["b", 2.0])));
        Assert.Equal("Only one row (a): loss 2.5.", SentenceWriter.ForTable(Table(["run", "loss"], ["a", 2.5])));
        Assert.Equal("By loss (lower is better), a and b tie for best at 1 and c worst at 2 (2× as high) across 3 rows.",
            SentenceWriter.ForTable(Table(["run", "loss"], ["a", 1.0], ["b", 1.0], ["c", 2.0])));
    }

    [Fact]
    public void SentencePrefersAStableColumnToADuration() =>
        Assert.StartsWith("By loss (lower is better), b is best",
            SentenceWriter.ForTable(Table(["run", "time", "loss"], ["a", TimeSpan.FromSeconds(1), 2.0], ["b", TimeSpan.FromSeconds(3), 1.0])));

    [Fact]
    public void SentenceUsesADifferenceWhereARatioMeansNothing() =>
        Assert.Equal("By delta, a is lowest at -1 and b highest at 2 (a difference of 3).",
            SentenceWriter.ForTable(Table(["run", "delta"], ["a", -1.0], ["b", 2.0])));

    [Fact]
    public void MetricsSentenceFollowsTrainAndValidationLoss()
    {
        var metrics = new List<MetricSeries>
        {
            new("train_loss", [(1, 4.0), (10, 2.0)]),
            new("ms", [(1, 5.0), (10, 6.0)]),
            new("val_loss", [(5, 2.5), (10, 2.6)]),
        };
        Assert.Equal("train_loss fell from 4 at step 1 to 2 at step 10 (50% lower); val_loss ended at 2.6, above its lowest, 2.5 at step 5.",
            SentenceWriter.ForMetrics(metrics));
        Assert.Equal("Only timings were recorded.", SentenceWriter.ForMetrics([metrics[1]]));
        Assert.Equal("train_loss went from 4 at step 1 to NaN at step 3.",
            SentenceWriter.ForMetrics([new("train_loss", [(1, 4.0), (2, 3.0), (3, double.NaN)])]));
    }

    [Fact]
    public void RunReportHasEverySectionAndPlot()
    {
        _host.Run([TestExperiments.ToyTrain()], "run", "toy-train", "--profile", "quick");
        string folder = _host.OnlyRunFolder("toy-train");
        string report = File.ReadAllText(Path.Combine(folder, "report.md"));

        Assert.StartsWith("# toy-train\n\nGradient descent on w² (a test experiment).\n\n> Run `", report);
        Assert.Contains("**Status:** completed", report);
        Assert.Contains("| profile | quick |", report);
        Assert.Contains("| Steps | 4 |", report);
        Assert.Contains("## Weights after training\n\nBy final loss (lower is better), trained is best at", report);
        Assert.Contains("| model | final loss | weight | time |\n|---|---:|---:|---:|", report);
        Assert.Contains("![Loss](plots/metric-loss.png)", report); // train_loss and val_loss on one chart
        Assert.Contains("![Weight by step](plots/weight.png)", report);
        Assert.Contains("## Final metrics\n\ntrain_loss fell from", report);
        Assert.Contains("| train_loss | ", report);
        Assert.Contains("## Timings (these vary from run to run)\n\n| Metric | Final | Mean |", report);
        Assert.DoesNotContain("| ms |", report[..report.IndexOf("## Timings", StringComparison.Ordinal)]);
        foreach (string png in new[] { "metric-loss.png", "metric-lr.png", "metric-ms.png", "weight.png" })
            Assert.True(PngTests.IsPng(Path.Combine(folder, "plots", png)), png);

        // Every number in a report table has at most 4 significant digits.
        foreach (string cell in report.Split('\n').Where(l => l.StartsWith("| ") && !l.Contains("Timings")).SelectMany(l => l.Split('|')).Select(c => c.Trim()))
            if (double.TryParse(cell, System.Globalization.CultureInfo.InvariantCulture, out double number) && number != Math.Floor(number))
                Assert.True(cell.TrimStart('-', '0', '.').Replace(".", "").Length <= 4, $"'{cell}' has more than 4 significant digits");
    }

    [Fact]
    public void ReportJsonCarriesTheSameDataAtFullPrecision()
    {
        _host.Run([TestExperiments.ToyTrain()], "run", "toy-train", "--profile", "quick");
        string folder = _host.OnlyRunFolder("toy-train");
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "report.json")))!;

        Assert.Equal("toy-train", (string?)json["experiment"]);
        Assert.Equal("completed", (string?)json["run"]!["status"]);
        Assert.Equal("4", (string?)json["config"]!["parameters"]!["Steps"]);
        var table = json["tables"]![0]!;
        Assert.Equal("Weights after training", (string?)table["title"]);
        Assert.StartsWith("By final loss", (string?)table["sentence"]);
        Assert.NotNull(table["rows"]![0]![3]!["seconds"]); // the duration cell
        var trainLoss = json["metrics"]!.AsArray().Single(m => (string?)m!["name"] == "train_loss")!;
        Assert.Equal(MetricsLog.Read(Path.Combine(folder, "metrics.jsonl"))[0].Final, (double)trainLoss["final"]!);
        Assert.True((bool)json["metrics"]!.AsArray().Single(m => (string?)m!["name"] == "ms")!["timing"]!);
        Assert.Contains(json["plots"]!.AsArray(), p => (string?)p!["file"] == "plots/metric-loss.png");
    }

    [Fact]
    public void ReportCommandRendersTheSameReportFromTheFolder()
    {
        _host.Run([TestExperiments.ToyTrain()], "run", "toy-train", "--profile", "quick");
        string folder = _host.OnlyRunFolder("toy-train");
        string markdown = File.ReadAllText(Path.Combine(folder, "report.md"));
        string json = File.ReadAllText(Path.Combine(folder, "report.json"));
        File.Delete(Path.Combine(folder, "report.md"));
        Directory.Delete(Path.Combine(folder, "plots"), recursive: true);

        var (code, output) = _host.Run([], "report", folder); // works without the experiment in the project

        Assert.Equal(ExitCodes.Done, code);
        Assert.Contains($"report: {Path.Combine(folder, "report.md")}", output);
        Assert.Equal(markdown, File.ReadAllText(Path.Combine(folder, "report.md")));
        Assert.Equal(json, File.ReadAllText(Path.Combine(folder, "report.json")));
        Assert.True(PngTests.IsPng(Path.Combine(folder, "plots", "metric-loss.png")));
    }

    [Fact]
    public void ReportOfAMissingFolderIsAUsageError()
    {
        var (code, output) = _host.Run([], "report", Path.Combine(_host.Root, "nope"));
        Assert.Equal(ExitCodes.BadUsage, code);
        Assert.Contains("does not exist", output);
    }

    [Fact]
    public void RecordingTheSameTableTwiceReplacesIt()
    {
        var context = new ExperimentContext("x", 1, LlmLab.Backends.Backend.Create("cpu"), Path.Combine(_host.Root, "run"), default);
        context.Table("Scores", ["name", "score"], [["a", 1]]);
        context.Table("Scores", ["name", "score"], [["a", 2]]);
        var results = RunResults.Load(Path.Combine(_host.Root, "run", "results.json"));
        Assert.Equal(2.0, Assert.Single(results.Tables).Rows[0][1].Number);
        Assert.Throws<ArgumentException>(() => context.Table("Bad", ["a", "b"], [["only one"]]));
    }
}
