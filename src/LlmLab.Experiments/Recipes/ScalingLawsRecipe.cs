using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LlmLab.IO;
using LlmLab.Models;
using LlmLab.Tokenizers;
using LlmLab.Training;

namespace LlmLab.Experiments;

/// <summary>What one run of the sweep measured.</summary>
public sealed record ScalingResult(ScalingRun Run, double Loss, double Seconds);

/// <summary>
/// The scaling-laws recipe: the character-level synthetic corpus, large enough that no run sees its data twice over;
/// then every run of the <see cref="ScalingPlan"/>, each in its own folder points/&lt;name&gt;/ with its own
/// checkpoints and metrics.jsonl and a point.json when it is done (an interrupted sweep resumes the point it was on
/// and reuses the finished ones); then points.csv (the input of <c>llmlab scaling fit</c>), the fits and the report
/// (<see cref="ScalingLawsReport"/>).
/// </summary>
public static class ScalingLawsRecipe
{
    public const string PointFile = "point.json", PointsFile = "points.csv";

    public static void Run(ScalingLawsConfig config, ExperimentContext context)
    {
        var shapes = ScalingShape.Parse(config.Shapes);
        // The vocabulary is the corpus's characters; a small sample of it has them all, so the plan can be made first.
        var tokenizer = CharTokenizer.Build(PretrainRecipe.Corpus(context.Seed, 2000, 0, 0));
        var sizes = shapes.Distinct().ToDictionary(s => s, s =>
        {
            var gpt = new Gpt(context.Backend, s.Config(tokenizer.VocabularySize, config.Context), context.Seed);
            return (ScalingShape.NonEmbeddingParameters(gpt), gpt.ParameterCount());
        });
        var runs = ScalingPlan.Runs(config, sizes);
        long mostTokens = runs.Max(r => r.Tokens);
        context.Log(FormattableString.Invariant($"scaling: {runs.Count} runs over {runs.Select(r => r.Budget).Distinct().Count()} budgets, {runs.Sum(r => r.Tokens) / 1e6:F1} M training tokens in all, the longest {mostTokens / 1e6:F2} M"));

        // Twice the longest run's tokens, so a run's random windows rarely see the same text twice.
        string trainText = Corpus(context.Seed, 2 * mostTokens, 0);
        string validationText = Corpus(context.Seed, 400_000, 1_000_000_000);
        int[] train = Encode(tokenizer, trainText), validation = Encode(tokenizer, validationText);

        var results = new List<ScalingResult>();
        foreach (var run in runs)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            results.Add(TrainPoint(context, config, run, tokenizer.VocabularySize, train, validation));
        }
        WritePoints(Path.Combine(context.RunFolder, PointsFile), results);
        ScalingLawsReport.Write(context, config, tokenizer.VocabularySize, results);
    }

    /// <summary>The points as <c>llmlab scaling fit</c> reads them (N,D,loss,C), so sweeps from several machines can be fitted together.</summary>
    private static void WritePoints(string path, IReadOnlyList<ScalingResult> results) =>
        AtomicFile.WriteAllText(path, "N,D,loss,C\n" + string.Concat(results.Select(r =>
            string.Create(CultureInfo.InvariantCulture, $"{r.Run.NonEmbedding},{r.Run.Tokens},{r.Loss:R},{r.Run.Budget:R}\n"))));

    private static int[] Encode(ITokenizer tokenizer, string text)
    {
        try
        {
            return tokenizer.Encode(text);
        }
        catch (ArgumentException e)
        {
            throw new ExperimentConfigException($"the corpus has a character the vocabulary does not: {e.Message}");
        }
    }

    /// <summary>Documents from <paramref name="start"/> on, joined by blank lines, until they hold <paramref name="characters"/>.</summary>
    private static string Corpus(ulong seed, long characters, long start)
    {
        var text = new System.Text.StringBuilder();
        for (long i = start; text.Length < characters; i++)
        {
            if (text.Length > 0) text.Append("\n\n");
            text.Append(Data.PretrainingCorpus.Document(seed, i));
        }
        return text.ToString();
    }

    private static ScalingResult TrainPoint(ExperimentContext context, ScalingLawsConfig config, ScalingRun run, int vocabulary, int[] train, int[] validation)
    {
        string folder = Path.Combine(context.RunFolder, "points", run.Name);
        string resultFile = Path.Combine(folder, PointFile);
        // Every run reads the same windows in the same order: the points differ by the model and the length only.
        var batches = new CausalLmBatches(train, config.Context, config.BatchSize, context.Seed);
        var held = new CausalLmBatches(validation, config.Context, config.BatchSize, context.Seed, "validation");
        if (File.Exists(resultFile) && ReadPoint(resultFile, run, batches.Description) is { } done)
        {
            context.Log(FormattableString.Invariant($"{run.Name}: done before, loss {done.Loss:F4}"));
            return done;
        }
        var gpt = new Gpt(context.Backend, run.Shape.Config(vocabulary, config.Context), context.Seed);
        var options = new TrainingOptions
        {
            Steps = run.Steps, LearningRate = (float)config.LearningRate, MinLearningRate = (float)config.LearningRate / 10,
            WarmupSteps = Math.Max(1, (int)Math.Round(config.WarmupShare * run.Steps)), WeightDecay = 0.1f, MaxGradientNorm = 1,
            EvaluationInterval = 0, EvaluationBatches = config.EvaluationBatches, CheckpointInterval = Math.Max(1, run.Steps / 4),
            LogInterval = Math.Max(1, run.Steps / 4),
        };
        context.Log(FormattableString.Invariant($"{run.Name}: N {run.NonEmbedding:N0} non-embedding parameters, D {run.Tokens:N0} tokens ({run.TokensPerParameter:F1} a parameter), {run.Steps} steps"));
        var clock = Stopwatch.StartNew();
        using var trainer = new Trainer(context.Backend, gpt, (tape, b) => gpt.Loss(tape, b.Inputs, b.Targets), options, batches, held, TrainerFiles.In(folder));
        var outcome = TrainingStage.Run(context, run.Name, trainer);
        double loss = outcome.LastValidationLoss ?? throw new InvalidOperationException($"{run.Name}: no validation loss was recorded");
        var result = new ScalingResult(run, loss, clock.Elapsed.TotalSeconds);
        AtomicFile.WriteAllText(resultFile, JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["name"] = run.Name, ["budget"] = run.Budget, ["shape"] = run.Shape.ToString(), ["N"] = run.NonEmbedding, ["parameters"] = run.Parameters,
            ["D"] = run.Tokens, ["steps"] = run.Steps, ["C"] = run.Flops, ["loss"] = loss, ["seconds"] = result.Seconds, ["data"] = batches.Description,
        }, new JsonSerializerOptions { WriteIndented = true }));
        context.Log(FormattableString.Invariant($"{run.Name}: validation loss {loss:F4} in {result.Seconds:F0} s"));
        return result;
    }

    // A finished point of this same run (same N, D and data), or null to train it again.
    private static ScalingResult? ReadPoint(string file, ScalingRun run, string data)
    {
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(file));
            var root = json.RootElement;
            if (root.GetProperty("N").GetInt64() != run.NonEmbedding || root.GetProperty("D").GetInt64() != run.Tokens
                || root.GetProperty("data").GetString() != data) return null;
            return new ScalingResult(run, root.GetProperty("loss").GetDouble(), root.GetProperty("seconds").GetDouble());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}
