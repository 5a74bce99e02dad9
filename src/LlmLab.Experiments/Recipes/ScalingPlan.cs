using System.Globalization;
using LlmLab.Models;

namespace LlmLab.Experiments;

/// <summary>A model shape of the sweep: LAYERSxWIDTH, a head for every 16 dimensions (one head below 32).</summary>
public sealed record ScalingShape(int Layers, int Width)
{
    public int Heads => Math.Max(1, Width / 16);
    public int HeadSize => Width / Heads;

    public override string ToString() => FormattableString.Invariant($"{Layers}x{Width}");

    public GptConfig Config(int vocabulary, int context) => new()
    {
        VocabularySize = vocabulary, Context = context, Layers = Layers, Heads = Heads, Width = Width,
    };

    /// <summary>Parameters other than the token and position embeddings (the tied head is the token embedding):
    /// Kaplan's and Chinchilla's N.</summary>
    public static long NonEmbeddingParameters(Gpt gpt) =>
        gpt.NamedParameters().Where(p => !p.Name.StartsWith("wte.", StringComparison.Ordinal) && !p.Name.StartsWith("wpe.", StringComparison.Ordinal))
            .Sum(p => p.Parameter.Data.ElementCount);

    public static IReadOnlyList<ScalingShape> Parse(string list)
    {
        var shapes = new List<ScalingShape>();
        foreach (string part in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            string[] pieces = part.Split('x');
            if (pieces.Length != 2 || !int.TryParse(pieces[0], NumberStyles.None, CultureInfo.InvariantCulture, out int layers)
                || !int.TryParse(pieces[1], NumberStyles.None, CultureInfo.InvariantCulture, out int width) || layers < 1 || width < 8
                || width % Math.Max(1, width / 16) != 0)
                throw new ExperimentConfigException($"Shapes: '{part}' is not LAYERSxWIDTH with at least one layer and a width of at least 8 that its heads (one for every 16 dimensions) divide (say 4x128)");
            shapes.Add(new ScalingShape(layers, width));
        }
        return shapes.Count > 0 ? shapes : throw new ExperimentConfigException("Shapes: give at least one LAYERSxWIDTH");
    }
}

/// <summary>One run of the sweep: a shape trained for <see cref="Steps"/> steps of <see cref="TokensPerStep"/> tokens at
/// the budget <see cref="Budget"/> (its D rounded to whole steps, so its own 6ND is <see cref="Flops"/>).</summary>
public sealed record ScalingRun(double Budget, ScalingShape Shape, long NonEmbedding, long Parameters, int Steps, int TokensPerStep)
{
    public long Tokens => (long)Steps * TokensPerStep;
    public double Flops => 6.0 * NonEmbedding * Tokens;
    public double TokensPerParameter => (double)Tokens / NonEmbedding;
    public string Name => FormattableString.Invariant($"c{Budget:0.###e0}-{Shape}").Replace("+", "", StringComparison.Ordinal);
}

/// <summary>The grid: at every budget the <see cref="ScalingLawsConfig.SizesPerBudget"/> shapes whose D / N lies nearest
/// (on a log scale) <see cref="ScalingLawsConfig.CentreTokensPerParameter"/>, so each IsoFLOP curve brackets its guess;
/// a run of fewer than <see cref="ScalingLawsConfig.MinSteps"/> steps is left out.</summary>
public static class ScalingPlan
{
    public static IReadOnlyList<double> Budgets(string list)
    {
        var budgets = new List<double>();
        foreach (string part in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out double c) || !(c > 0) || !double.IsFinite(c))
                throw new ExperimentConfigException($"Budgets: '{part}' is not a positive number of FLOPs (say 1e12)");
            budgets.Add(c);
        }
        return budgets.Count > 0 ? [.. budgets.Distinct().Order()] : throw new ExperimentConfigException("Budgets: give at least one compute budget");
    }

    /// <summary>The runs, budget by budget, smallest model first.</summary>
    public static IReadOnlyList<ScalingRun> Runs(ScalingLawsConfig config, IReadOnlyDictionary<ScalingShape, (long NonEmbedding, long Parameters)> sizes)
    {
        if (sizes.Count < config.SizesPerBudget)
            throw new ExperimentConfigException($"Shapes: {sizes.Count} shapes for {config.SizesPerBudget} sizes a budget; give more shapes or lower SizesPerBudget");
        int tokensPerStep = config.BatchSize * config.Context;
        var runs = new List<ScalingRun>();
        foreach (double budget in Budgets(config.Budgets))
        {
            var chosen = sizes
                .Select(s => new ScalingRun(budget, s.Key, s.Value.NonEmbedding, s.Value.Parameters,
                    (int)Math.Clamp(Math.Round(budget / (6.0 * s.Value.NonEmbedding) / tokensPerStep), 1, int.MaxValue), tokensPerStep))
                .OrderBy(r => Math.Abs(Math.Log(r.TokensPerParameter / config.CentreTokensPerParameter))).ThenBy(r => r.NonEmbedding)
                .Where(r => r.Steps >= config.MinSteps)
                .Take(config.SizesPerBudget);
            runs.AddRange(chosen.OrderBy(r => r.NonEmbedding));
        }
        return runs;
    }
}
