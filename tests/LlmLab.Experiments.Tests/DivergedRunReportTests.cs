using LlmLab.Data;
using LlmLab.Models;
using LlmLab.Training;

namespace LlmLab.Experiments.Tests;

/// <summary>
/// A run whose loss goes to NaN: the trainer's metrics.jsonl keeps the NaN (as the string "NaN"), and the report's
/// final-metrics table, its sentence and the series the loss plot is drawn from all show it instead of dropping it.
/// </summary>
public sealed class DivergedRunReportTests : IDisposable
{
    private readonly HostHarness _host = new();

    public void Dispose() => _host.Dispose();

    // A tiny GPT whose validation loss is NaN, and whose training loss turns NaN at step 3.
    private static ExperimentDefinition Diverging() => TestBinder.Define("diverging", [], _ => [new ExperimentStep("Train", context =>
    {
        var config = new GptConfig { VocabularySize = 8, Context = 8, Layers = 1, Heads = 2, Width = 8 };
        var gpt = new Gpt(context.Backend, config, seed: 1);
        int[] tokens = [.. Enumerable.Range(0, 200).Select(i => i * 3 % 8)];
        int trainingCalls = 0;
        TrainingStage.Run(context, "pretrain", gpt, (tape, b) =>
            {
                var loss = gpt.Loss(tape, b.Inputs, b.Targets);
                bool nan = !tape.RecordsGradients || ++trainingCalls >= 3;
                return nan ? tape.Scale(loss, float.NaN) : loss;
            },
            new TrainingOptions { Steps = 5, WarmupSteps = 1, EvaluationInterval = 0, EvaluationBatches = 1, CheckpointInterval = 0 },
            new CausalLmBatches(tokens, 8, 2, seed: 1), new CausalLmBatches(tokens, 8, 2, seed: 2, stream: "validation"));
    })]);

    [Fact]
    public void A_nan_loss_is_in_the_report_and_its_plot_series()
    {
        var (code, output) = _host.Run([Diverging()], "run", "diverging");
        Assert.Equal(ExitCodes.RunFailed, code);
        Assert.Contains("training diverged at step 3", output);
        string folder = _host.OnlyRunFolder("diverging");

        var report = RunReport.Load(folder);
        var loss = Assert.Single(report.Metrics, m => m.Name == "pretrain_train_loss");
        Assert.Equal([1L, 2L, 3L], loss.Points.Select(p => p.Step));
        Assert.True(double.IsNaN(loss.Final));
        var validation = Assert.Single(report.Metrics, m => m.Name == "pretrain_val_loss");
        Assert.True(double.IsNaN(Assert.Single(validation.Points).Value));

        string markdown = File.ReadAllText(new RunPaths(folder).ReportMarkdown);
        Assert.Matches(@"\| pretrain_train_loss \| +NaN \| +3 \| +2\.\d+ \| +2\.\d+ \|", markdown);   // min and max of the finite values
        Assert.Matches(@"\| pretrain_val_loss \| +NaN \| +0 \|", markdown);

        var chart = Assert.Single(MetricCharts.For(report.Metrics), c => c.Name == MetricCharts.Prefix + "loss");
        var series = Assert.Single(chart.Series, s => s.Label == "pretrain_train_loss");
        Assert.Equal([1.0, 2.0, 3.0], series.X);
        Assert.True(double.IsNaN(series.Y[2]));
        Assert.Contains(chart.Series, s => s.Label == "pretrain_val_loss" && double.IsNaN(s.Y[0]));
    }
}
