using System.Text.Json;
using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Data;
using LlmLab.Models;
using LlmLab.Tensors;
using LlmLab.Tests.Data;
using LlmLab.Tests.Infrastructure;
using LlmLab.Tokenizers;
using LlmLab.Training;

namespace LlmLab.Tests.Training;

/// <summary>
/// The training loop on the cpu backend: bit-identical resume, gradient accumulation, the NaN stop, metrics.jsonl,
/// checkpoints and the log line.
/// </summary>
public class TrainerTests
{
    private static readonly IBackend Cpu = TestBackends.Get("cpu");

    private static readonly GptConfig Tiny = new()
    {
        VocabularySize = 16, Context = 16, Layers = 2, Heads = 2, Width = 16,
    };

    private static readonly int[] Tokens = Enumerable.Range(0, 600).Select(i => (i * 7 + i / 13) % 16).ToArray();

    private static TrainingOptions Options(int steps = 20) => new()
    {
        Steps = steps, LearningRate = 3e-3f, MinLearningRate = 3e-4f, WarmupSteps = 4, EvaluationInterval = 5,
        EvaluationBatches = 2, CheckpointInterval = 0,
    };

    private static Trainer NewTrainer(Gpt gpt, TrainingOptions options, string? folder, IBatchSource? train = null) =>
        new(Cpu, gpt, (tape, b) => gpt.Loss(tape, b.Inputs, b.Targets), options,
            train ?? new CausalLmBatches(Tokens, Tiny.Context, 4, seed: 7),
            new CausalLmBatches(Tokens, Tiny.Context, 4, seed: 8, stream: "validation"), folder is null ? null : TrainerFiles.In(folder));

    [Fact]
    public void Twenty_steps_equal_ten_then_resume_then_ten_bit_for_bit()
    {
        using var straight = new TempFiles();
        var gptA = new Gpt(Cpu, Tiny, seed: 3);
        var lossesA = new List<float>();
        using (var trainer = NewTrainer(gptA, Options(), straight.Directory))
        {
            trainer.StepCompleted += r => lossesA.Add(r.Loss);
            Assert.False(trainer.Train().Interrupted);
        }

        using var split = new TempFiles();
        var lossesB = new List<float>();
        using (var cancel = new CancellationTokenSource())
        using (var trainer = NewTrainer(new Gpt(Cpu, Tiny, seed: 3), Options(), split.Directory))
        {
            trainer.StepCompleted += r =>
            {
                lossesB.Add(r.Loss);
                if (r.Step == 10) cancel.Cancel();
            };
            var first = trainer.Train(cancel.Token);
            Assert.True(first.Interrupted);
            Assert.Equal(10, first.Step);
        }
        // A fresh process would build the model from scratch: a different seed proves the weights come from the checkpoint.
        var gptB = new Gpt(Cpu, Tiny, seed: 99);
        using (var trainer = NewTrainer(gptB, Options(), split.Directory))
        {
            trainer.StepCompleted += r => lossesB.Add(r.Loss);
            var second = trainer.Train();
            Assert.Equal(10, second.ResumedFrom);
            Assert.Equal(20, second.Step);
        }

        Assert.Equal(20, lossesA.Count);
        Assert.Equal(lossesA.Select(BitConverter.SingleToInt32Bits), lossesB.Select(BitConverter.SingleToInt32Bits));
        foreach (var ((name, a), (_, b)) in gptA.NamedParameters().Zip(gptB.NamedParameters()))
            AssertClose.BitIdentical(a.Data.ToArray<float>(), b.Data.ToArray<float>(), name);
        // metrics.jsonl reads as one clean run: steps 1..20 once each, and the same validation points.
        Assert.Equal(StepsIn(straight.Directory), StepsIn(split.Directory));
    }

    [Fact]
    public void Accumulating_two_half_batches_matches_one_full_batch()
    {
        var full = new CausalLmBatches(Tokens, Tiny.Context, 4, seed: 5);
        var halves = new HalfBatches(full);
        var gptFull = new Gpt(Cpu, Tiny, seed: 4);
        var gptHalves = new Gpt(Cpu, Tiny, seed: 4);
        var options = Options(steps: 3) with { EvaluationInterval = 0 };
        var fullLosses = new List<float>();
        var halfLosses = new List<float>();
        using (var t = NewTrainer(gptFull, options, null, full))
        {
            t.StepCompleted += r => fullLosses.Add(r.Loss);
            t.Train();
        }
        using (var t = NewTrainer(gptHalves, options with { GradientAccumulation = 2 }, null, halves))
        {
            t.StepCompleted += r => halfLosses.Add(r.Loss);
            t.Train();
        }
        AssertClose.Within(fullLosses.Select(l => (double)l).ToArray(), halfLosses.ToArray(), 1e-5, 1e-5, "loss per step");
        foreach (var ((name, a), (_, b)) in gptFull.NamedParameters().Zip(gptHalves.NamedParameters()))
            AssertClose.Within(a.Data.ToArray<float>().Select(v => (double)v).ToArray(), b.Data.ToArray<float>(), 1e-4, 1e-3, name);
    }

    [Fact]
    public void A_nan_loss_stops_with_a_clear_message_and_leaves_the_weights_alone()
    {
        var gpt = new Gpt(Cpu, Tiny, seed: 1);
        var before = gpt.NamedParameters().Select(p => p.Parameter.Data.ToArray<float>()).ToList();
        using var trainer = new Trainer(Cpu, gpt, (tape, b) => tape.Scale(gpt.Loss(tape, b.Inputs, b.Targets), float.NaN),
            Options(), new CausalLmBatches(Tokens, Tiny.Context, 4, seed: 7));
        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Train());
        Assert.Contains("diverged at step 1", e.Message);
        Assert.Contains("NaN", e.Message);
        Assert.Contains("not updated", e.Message);
        var after = gpt.NamedParameters().Select(p => p.Parameter.Data.ToArray<float>()).ToList();
        for (int i = 0; i < before.Count; i++) Assert.Equal(before[i], after[i]);
    }

    [Fact]
    public void Metrics_and_checkpoints_are_written_as_the_run_goes()
    {
        using var run = new TempFiles();
        using var trainer = NewTrainer(new Gpt(Cpu, Tiny, seed: 2), Options(steps: 7) with { CheckpointInterval = 2, KeepCheckpoints = 2 }, run.Directory);
        var saved = new List<string>();
        trainer.CheckpointSaved += saved.Add;
        var result = trainer.Train();

        Assert.Equal(["step-000002", "step-000004", "step-000006", "step-000007"], saved.Select(Path.GetFileName));
        var left = Directory.GetDirectories(Path.Combine(run.Directory, "checkpoints")).Select(Path.GetFileName).Order();
        Assert.Equal(["step-000006", "step-000007"], left);   // the two newest
        Assert.Equal(saved[^1], result.LastCheckpoint);
        foreach (string file in new[] { "model.safetensors", "optimizer.safetensors", "trainer.json" })
            Assert.True(File.Exists(Path.Combine(saved[^1], file)), file);
        var state = TrainingCheckpoint.Read(saved[^1]);
        Assert.Equal((7, 7L, 7), (state.Step, state.NextBatch, state.OptimizerSteps));

        var lines = File.ReadAllLines(Path.Combine(run.Directory, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var trainLines = lines.Where(l => l.TryGetProperty("train_loss", out _)).ToList();
        Assert.Equal(Enumerable.Range(1, 7), trainLines.Select(l => l.GetProperty("step").GetInt32()));
        foreach (var key in new[] { "grad_norm", "lr", "ms", "tokens_per_second" })
            Assert.True(trainLines[0].TryGetProperty(key, out _), key);
        Assert.Equal([0, 5, 7], lines.Where(l => l.TryGetProperty("val_loss", out _)).Select(l => l.GetProperty("step").GetInt32()));
    }

    [Fact]
    public void Two_trainers_share_a_metrics_file_and_a_resume_trims_only_its_own_lines()
    {
        using var run = new TempFiles();
        string metrics = Path.Combine(run.Directory, "metrics.jsonl");
        var first = new TrainerFiles(Path.Combine(run.Directory, "checkpoints", "a"), metrics, "a_");
        var second = new TrainerFiles(Path.Combine(run.Directory, "checkpoints", "b"), metrics, "b_");
        var options = Options(steps: 4) with { EvaluationInterval = 0 };
        var gpt = new Gpt(Cpu, Tiny, 1);
        using (var a = new Trainer(Cpu, gpt, (t, b) => gpt.Loss(t, b.Inputs, b.Targets), options with { CheckpointInterval = 2 },
                   new CausalLmBatches(Tokens, Tiny.Context, 4, 7), null, first))
            a.Train();
        var other = new Gpt(Cpu, Tiny, 2);
        using (var b = new Trainer(Cpu, other, (t, batch) => other.Loss(t, batch.Inputs, batch.Targets), options,
                   new CausalLmBatches(Tokens, Tiny.Context, 4, 7), null, second))
            b.Train();
        // A checkpoint at step 2 only: trainer a resumes from it and rewrites its steps 3 and 4; b's lines stay.
        Directory.Delete(Path.Combine(first.CheckpointFolder, "step-000004"), recursive: true);
        using (var a = new Trainer(Cpu, gpt, (t, batch) => gpt.Loss(t, batch.Inputs, batch.Targets), options,
                   new CausalLmBatches(Tokens, Tiny.Context, 4, 7), null, first))
            Assert.Equal(2, a.Train().ResumedFrom);
        var lines = File.ReadAllLines(metrics).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([1, 2, 3, 4], lines.Where(l => l.TryGetProperty("a_train_loss", out _)).Select(l => l.GetProperty("step").GetInt32()));
        Assert.Equal([1, 2, 3, 4], lines.Where(l => l.TryGetProperty("b_train_loss", out _)).Select(l => l.GetProperty("step").GetInt32()));
    }

    [Fact]
    public void Resuming_on_other_data_is_refused_by_name()
    {
        using var run = new TempFiles();
        using (var trainer = NewTrainer(new Gpt(Cpu, Tiny, seed: 2), Options(steps: 2), run.Directory)) trainer.Train();
        using var other = NewTrainer(new Gpt(Cpu, Tiny, seed: 2), Options(steps: 4), run.Directory,
            new CausalLmBatches(Tokens, Tiny.Context, 4, seed: 70));
        var e = Assert.Throws<InvalidDataException>(() => other.Train());
        Assert.Contains("seed 7)", e.Message);
        Assert.Contains("seed 70)", e.Message);
    }

    [Fact]
    public void A_corrupt_checkpoint_state_names_its_file()
    {
        using var run = new TempFiles();
        using (var trainer = NewTrainer(new Gpt(Cpu, Tiny, seed: 2), Options(steps: 2), run.Directory)) trainer.Train();
        string state = Path.Combine(run.Directory, "checkpoints", "step-000002", "trainer.json");
        File.WriteAllText(state, "{\"format\": 1, \"step\": ");
        using var again = NewTrainer(new Gpt(Cpu, Tiny, seed: 2), Options(steps: 4), run.Directory);
        var e = Assert.Throws<InvalidDataException>(() => again.Train());
        Assert.Contains(state, e.Message);
    }

    [Fact]
    public void The_log_line_reads_like_llm_c()
    {
        var line = new TrainingStepReport(7, 2000, 2.3456789f, 0.81234, 6e-4f, 61.234, 12543.4).ToLogLine();
        Assert.Equal("step    7/2000 | loss 2.345679 | norm 0.8123 | lr 6.00e-04 | 61.23 ms | 12543 tok/s", line);
    }

    [Fact]
    public void Causal_lm_batches_are_windows_with_targets_shifted_by_one_and_fixed_by_index()
    {
        var source = new CausalLmBatches(Tokens, 16, 3, seed: 11);
        using var a = source.Batch(Cpu, 5);
        using var b = source.Batch(Cpu, 5);
        using var c = source.Batch(Cpu, 6);
        var x = a.Inputs.ToArray<int>();
        var y = a.Targets.ToArray<long>();
        Assert.Equal(x, b.Inputs.ToArray<int>());
        Assert.NotEqual(x, c.Inputs.ToArray<int>());
        Assert.Equal(48, a.Tokens);
        for (int row = 0; row < 3; row++)
        {
            int offset = FindWindow(x.AsSpan(row * 16, 16));
            for (int t = 0; t < 16; t++) Assert.Equal(Tokens[offset + t + 1], y[row * 16 + t]);
        }
        Assert.Throws<ArgumentException>(() => new CausalLmBatches(new int[16], 16, 1, 0));
    }

    private static int FindWindow(ReadOnlySpan<int> window)
    {
        for (int offset = 0; offset + window.Length < Tokens.Length; offset++)
            if (Tokens.AsSpan(offset, window.Length).SequenceEqual(window)) return offset;
        throw new Xunit.Sdk.XunitException("window not found in the token stream");
    }

    private static List<string> StepsIn(string folder) =>
        File.ReadAllLines(Path.Combine(folder, "metrics.jsonl"))
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Select(e => $"{e.GetProperty("step").GetInt32()}:{(e.TryGetProperty("val_loss", out var v) ? "val " + v.GetDouble().ToString("R") : "train " + e.GetProperty("train_loss").GetDouble().ToString("R"))}")
            .ToList();

    /// <summary>Micro-batch 2k and 2k + 1 are the two halves of the full source's batch k.</summary>
    private sealed class HalfBatches(CausalLmBatches full) : IBatchSource
    {
        public string Description => "halves of " + full.Description;

        public TrainingBatch Batch(IBackend backend, long index)
        {
            using var whole = full.Batch(backend, index / 2);
            int rows = full.BatchSize / 2, half = (int)(index % 2);
            var x = whole.Inputs.ToArray<int>().AsSpan(half * rows * full.Context, rows * full.Context).ToArray();
            var y = whole.Targets.ToArray<long>().AsSpan(half * rows * full.Context, rows * full.Context).ToArray();
            return new TrainingBatch(Tensor.From(backend, x, rows, full.Context), Tensor.From(backend, y, y.Length), y.Length);
        }
    }
}
