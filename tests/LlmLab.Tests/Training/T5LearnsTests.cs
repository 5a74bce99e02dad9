using System.Diagnostics;
using LlmLab.Data;
using LlmLab.Models;
using LlmLab.Tests.Infrastructure;
using LlmLab.Tokenizers;
using LlmLab.Training;
using Xunit.Abstractions;

namespace LlmLab.Tests.Training;

/// <summary>
/// A T5 trained from scratch by span corruption on the synthetic pre-training corpus (character tokens with 16
/// sentinels), with LlmLab's Trainer on the cpu backend: 2 + 2 layers, width 64, 4 heads of 16, windows of 48
/// characters, 200 steps of batch 8. The bar: held-out loss below <see cref="Bar"/> nats per target token and at
/// least 0.5 below a unigram model of the targets (3.27), from 5.28 at step 0 (about ln(V) + 0.7: the tied head's
/// N(0, 1) embedding makes confident guesses). Measured when written: 2.49, in 9 s on 2 shared cores.
/// </summary>
public class T5LearnsTests(ITestOutputHelper output)
{
    private const float Bar = 2.7f;

    [Fact]
    public void Span_corruption_loss_falls_below_the_bar()
    {
        var clock = Stopwatch.StartNew();
        var backend = TestBackends.Get("cpu");
        var trainText = PretrainingCorpus.Generate(seed: 1, documents: 300).ToArray();
        var validationText = PretrainingCorpus.Generate(seed: 1, documents: 30, start: 1_000_000).ToArray();
        var tokenizer = CharTokenizer.Build(trainText, sentinels: 16);
        var special = tokenizer.SpecialTokens;
        int pad = special.Pad!.Value, eos = special.Eos!.Value;
        var config = new T5Config
        {
            VocabularySize = tokenizer.VocabularySize, Width = 64, HeadDim = 16, Heads = 4, FeedForwardWidth = 128,
            EncoderLayers = 2, DecoderLayers = 2, RelativeBuckets = 16, RelativeMaxDistance = 64,
        };
        var t5 = new T5(backend, config, seed: 1);
        SpanCorruptionBatches Batches(string[] texts, ulong seed, string stream) =>
            new(texts.Select(tokenizer.Encode), maxLength: 48, batchSize: 8, tokenizer.VocabularySize, pad, decoderStartId: pad, eos, seed, stream: stream);
        var options = new TrainingOptions
        {
            Steps = 200, LearningRate = 5e-3f, MinLearningRate = 5e-4f, WarmupSteps = 20, EvaluationInterval = 100,
            EvaluationBatches = 4, CheckpointInterval = 0,
        };
        using var trainer = new Trainer(backend, t5, (tape, b) => t5.Loss(tape, b.Inputs, b.AttentionMask, b.DecoderInputs!, b.Targets), options,
            Batches(trainText, 1, "train"), Batches(validationText, 2, "validation"));
        var curve = new List<ValidationReport>();
        trainer.Validated += curve.Add;
        var result = trainer.Train();

        foreach (var point in curve) output.WriteLine(point.ToLogLine());
        double unigram = UnigramCrossEntropy(Batches(trainText, 1, "train"), Batches(validationText, 2, "validation"), tokenizer.VocabularySize);
        output.WriteLine($"unigram model of the targets: {unigram:F4}");
        output.WriteLine($"{result.TokensPerSecond:F0} tok/s, vocabulary {tokenizer.VocabularySize}, {t5.ParameterCount()} parameters, {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(curve[0].Loss > 4f, $"an untrained T5 should score about ln(V) = {Math.Log(tokenizer.VocabularySize):F2} or worse; it scored {curve[0].Loss}");
        Assert.True(result.LastValidationLoss < Bar, $"validation loss {result.LastValidationLoss} did not fall below {Bar}");
        Assert.True(result.LastValidationLoss < unigram - 0.5, $"validation loss {result.LastValidationLoss} is not 0.5 below the unigram model's {unigram:F4}");
    }

    /// <summary>Cross-entropy on the validation targets of add-0.1 smoothed target-token frequencies counted over 200
    /// training batches: what a model that ignores the input and the position can reach.</summary>
    private static double UnigramCrossEntropy(SpanCorruptionBatches train, SpanCorruptionBatches validation, int vocabulary)
    {
        var counts = new double[vocabulary];
        for (int i = 0; i < 200; i++)
            for (int r = 0; r < train.BatchSize; r++)
                foreach (int t in train.Example(i, r).Targets) counts[t]++;
        double total = counts.Sum() + 0.1 * vocabulary, sum = 0;
        int n = 0;
        for (int i = 0; i < 4; i++)
            for (int r = 0; r < validation.BatchSize; r++)
                foreach (int t in validation.Example(i, r).Targets)
                {
                    sum -= Math.Log((counts[t] + 0.1) / total);
                    n++;
                }
        return sum / n;
    }
}
