using LlmLab.Nn;
using LlmLab.Quantization;

namespace LlmLab.Experiments.Tests;

/// <summary>The quantize recipe on the quick model: sizes as each format stores them, perplexity rows, determinism.</summary>
[Collection("recipes")]
public sealed class QuantizeRecipeTests(QuickModel model) : IDisposable
{
    private readonly HostHarness _host = new();

    public void Dispose() => _host.Dispose();

    private QuantizeConfig Quick => new() { BaseModel = model.Folder, Formats = "int8,q8_0,q4_0", EvaluationBatches = 3 };

    [Fact]
    public void QuickRunReportsF32ThenEachFormatAndIsTheSameForTheSameSeed()
    {
        var experiment = RecipeRuns.Experiment("quantize-quick", c => QuantizeRecipe.Run(Quick, c));
        string first = RecipeRuns.Run(_host, experiment, 3, "a");
        string again = RecipeRuns.Run(_host, experiment, 3, "b");

        var table = RecipeRuns.Table(first, "quantize: size and perplexity");
        Assert.Equal(["f32", "int8", "q8_0", "q4_0"], table.Rows.Select(r => r[0].ToString()));
        // The quick model: 4 blocks of q, k, v, o [128, 128], c_fc [512, 128], c_proj [128, 512].
        const double weights = 4 * (4 * 128 * 128 + 2 * 512 * 128), rows = 4 * (4 * 128 + 512 + 128);
        Assert.Equal([weights * 4, weights + 4 * rows, weights / 32 * 34, weights / 32 * 18], table.Rows.Select(r => RecipeRuns.Number(r[1])));
        double f32Model = RecipeRuns.Number(table.Rows[0][2]);
        foreach (var row in table.Rows)
        {
            Assert.Equal(f32Model - weights * 4 + RecipeRuns.Number(row[1]), RecipeRuns.Number(row[2]));
            Assert.Equal(weights * 4 / RecipeRuns.Number(row[1]), RecipeRuns.Number(row[3]), 12);
            double perplexity = RecipeRuns.Number(row[5]), f32 = RecipeRuns.Number(table.Rows[0][5]);
            Assert.InRange(perplexity, 1, 100);
            Assert.Equal(100 * (perplexity / f32 - 1), RecipeRuns.Number(row[6]), 9);
        }
        Assert.Equal(0, RecipeRuns.Number(table.Rows[0][6]));
        Assert.Contains("q4_0 stores the linear weights 7.11x smaller", table.Sentence);

        var parts = RecipeRuns.Table(first, "quantize: what is quantised");
        Assert.Equal(["linear weights (24 layers: attention q/k/v/o, MLP)", "token embedding (also the tied LM head)", "position embedding", "norms and biases"],
            parts.Rows.Select(r => r[0].ToString()));
        Assert.Equal(weights, RecipeRuns.Number(parts.Rows[0][1]));
        Assert.Equal(model.Model.Model.ParameterCount(), parts.Rows.Sum(r => RecipeRuns.Number(r[1])));
        Assert.Equal(["int8, q8_0, q4_0", "f32", "f32", "f32"], parts.Rows.Select(r => r[2].ToString()));

        Assert.Equal(RecipeRuns.ScrubbedReport(first), RecipeRuns.ScrubbedReport(again));
    }

    [Fact]
    public void CompareScoresTheSameWindowsForEveryFormatAndLeavesTheModelInF32()
    {
        var results = QuantizeRecipe.Compare(model.Model, Quick with { Formats = "q4_0, F32, q4_0" }, model.Context("quantize-typed"));

        Assert.Equal([WeightFormat.F32, WeightFormat.Q4_0], results.Select(r => r.Format));
        Assert.Equal(results[0].Score.Characters, results[1].Score.Characters);
        Assert.NotEqual(results[0].Score.Loss, results[1].Score.Loss);
        Assert.All(WeightQuantizer.Linears(model.Model.Model), l => Assert.Equal(WeightFormat.F32, l.Layer.Format));
    }

    /// <summary>
    /// Quantising the token embedding, and so the tied head, as well as the linear layers moves the quick model's
    /// perplexity little: measured +0.008% (q8_0) and +0.36% (q4_0) over the linear layers alone.
    /// </summary>
    [Fact]
    public void QuantisingTheTiedHeadTooKeepsPerplexityClose()
    {
        var plain = QuantizeRecipe.Compare(model.Model, Quick with { Formats = "q8_0,q4_0" }, model.Context("quantize-linears"));
        var head = QuantizeRecipe.Compare(model.Model, Quick with { Formats = "q8_0,q4_0", QuantizeTokenEmbedding = true }, model.Context("quantize-head"));
        Assert.Equal(plain[0].Score.Loss, head[0].Score.Loss);
        Assert.Equal(WeightFormat.F32, model.Model.Model.TokenEmbedding.Format);
        double[] change = [.. plain.Zip(head).Skip(1).Select(p => p.Second.Score.Perplexity / p.First.Score.Perplexity - 1)];
        Assert.True(change[0] != 0 && Math.Abs(change[0]) < 0.002, $"q8_0 head: perplexity {100 * change[0]:F4}%");
        Assert.True(change[1] != 0 && Math.Abs(change[1]) < 0.02, $"q4_0 head: perplexity {100 * change[1]:F4}%");
        long wte = model.Model.Model.TokenEmbedding.Weight.Shape.ElementCount;
        Assert.Equal(wte * 4 - wte / 32 * 18, plain[2].Size.ModelBytes - head[2].Size.ModelBytes);
    }

    [Fact]
    public void AnUnknownFormatIsAConfigurationError()
    {
        var e = Assert.Throws<ExperimentConfigException>(() => QuantizeRecipe.Formats(new QuantizeConfig { Formats = "int8,q5_k" }));
        Assert.Contains("Formats: unknown weight format 'q5_k'", e.Message);
    }
}
