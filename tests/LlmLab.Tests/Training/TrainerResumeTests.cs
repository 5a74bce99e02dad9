using LlmLab.Backends;
using LlmLab.Data;
using LlmLab.Models;
using LlmLab.Tests.Data;
using LlmLab.Tests.Infrastructure;
using LlmLab.Training;

namespace LlmLab.Tests.Training;

/// <summary>
/// Resuming after a crash: whatever the moment the first attempt died, the resumed run's metrics.jsonl and result
/// are those of an uninterrupted run.
/// </summary>
public class TrainerResumeTests
{
    private static readonly IBackend Cpu = TestBackends.Get("cpu");

    private static readonly GptConfig Tiny = new() { VocabularySize = 16, Context = 16, Layers = 1, Heads = 2, Width = 16 };

    private static readonly int[] Tokens = Enumerable.Range(0, 600).Select(i => (i * 7 + i / 13) % 16).ToArray();

    private static TrainingOptions Options(int checkpointInterval) => new()
    {
        Steps = 12, LearningRate = 3e-3f, MinLearningRate = 3e-4f, WarmupSteps = 2, EvaluationInterval = 4,
        EvaluationBatches = 1, CheckpointInterval = checkpointInterval,
    };

    private static Trainer NewTrainer(string folder, TrainingOptions options)
    {
        var gpt = new Gpt(Cpu, Tiny, seed: 3);
        return new Trainer(Cpu, gpt, (tape, b) => gpt.Loss(tape, b.Inputs, b.Targets), options,
            new CausalLmBatches(Tokens, Tiny.Context, 2, seed: 7), new CausalLmBatches(Tokens, Tiny.Context, 2, seed: 8, stream: "validation"),
            TrainerFiles.In(folder));
    }

    private static TrainingResult Straight(string folder, TrainingOptions options)
    {
        using var trainer = NewTrainer(folder, options);
        return trainer.Train();
    }

    // The process dies after step `step` is recorded: nothing after it runs, no checkpoint is written on the way out.
    private static void DieAfter(string folder, TrainingOptions options, int step)
    {
        using var trainer = NewTrainer(folder, options);
        trainer.StepCompleted += r => { if (r.Step == step) throw new SimulatedCrash(); };
        Assert.Throws<SimulatedCrash>(() => trainer.Train());
    }

    [Fact]
    public void A_resume_that_finds_no_checkpoint_starts_the_metrics_over()
    {
        using var straight = new TempFiles();
        using var split = new TempFiles();
        var options = Options(checkpointInterval: 0);   // a checkpoint only at the end
        Straight(straight.Directory, options);
        DieAfter(split.Directory, options, 5);

        var resumed = Straight(split.Directory, options);

        Assert.Equal(0, resumed.ResumedFrom);
        Assert.Equal(Record(straight.Directory), Record(split.Directory));
    }

    [Theory]
    [InlineData(3)]    // before the first checkpoint
    [InlineData(5)]    // between checkpoints
    [InlineData(12)]   // after the last step, before its checkpoint
    public void A_resumed_run_records_what_an_uninterrupted_one_does(int crashAfter)
    {
        using var straight = new TempFiles();
        using var split = new TempFiles();
        var options = Options(checkpointInterval: 4);
        var expected = Straight(straight.Directory, options);
        DieAfter(split.Directory, options, crashAfter);

        var resumed = Straight(split.Directory, options);

        Assert.Equal(Record(straight.Directory), Record(split.Directory));
        Assert.Equal(Summary(expected), Summary(resumed));
    }

    [Fact]
    public void A_result_after_a_resume_describes_the_whole_run()
    {
        using var straight = new TempFiles();
        using var split = new TempFiles();
        var options = Options(checkpointInterval: 4);
        var expected = Straight(straight.Directory, options);
        using (var cancel = new CancellationTokenSource())
        using (var trainer = NewTrainer(split.Directory, options))
        {
            trainer.StepCompleted += r => { if (r.Step == 6) cancel.Cancel(); };
            Assert.True(trainer.Train(cancel.Token).Interrupted);
        }

        var resumed = Straight(split.Directory, options);
        Assert.Equal(6, resumed.ResumedFrom);
        Assert.Equal(Summary(expected), Summary(resumed));

        // A run killed after its training (while sampling, say) resumes at the last step and trains nothing.
        var again = Straight(split.Directory, options);
        Assert.Equal(12, again.ResumedFrom);
        Assert.Equal(Summary(expected), Summary(again));
        Assert.NotNull(expected.FirstValidationLoss);
    }

    private static (float?, float?, float?) Summary(TrainingResult r) => (r.FirstValidationLoss, r.LastLoss, r.LastValidationLoss);

    /// <summary>metrics.jsonl line by line without its timings (ms, tokens per second), which differ between runs.</summary>
    internal static List<string> Record(string folder) =>
        [.. File.ReadLines(Path.Combine(folder, MetricsLog.FileName)).Select(line =>
        {
            Assert.True(MetricsLog.TryParseLine(line, out long step, out var values), $"not a metrics line: {line}");
            return $"{step}: " + string.Join(", ", values.Where(v => v.Key is not ("ms" or "tokens_per_second")).Select(v => $"{v.Key}={v.Value:R}"));
        })];

    private sealed class SimulatedCrash : Exception;
}
