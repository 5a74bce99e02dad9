using LlmLab.Nn;
using LlmLab.Quantization;

namespace LlmLab.Experiments.Tests;

/// <summary>The evaluate recipe on the quick model: held-out loss, perplexity and bits per character, a greedy sample, determinism.</summary>
[Collection("recipes")]
public sealed class EvaluateRecipeTests(QuickModel model) : IDisposable
{
    private readonly HostHarness _host = new();

    public void Dispose() => _host.Dispose();

    private EvaluateConfig Quick => new() { BaseModel = model.Folder, Documents = 8, SampleLength = 40 };

    [Fact]
    public void QuickRunReportsTheHeldOutScoreBesideAUniformGuessAndIsTheSameForTheSameSeed()
    {
        var experiment = RecipeRuns.Experiment("evaluate-quick", c => EvaluateRecipe.Run(Quick, c));
        string first = RecipeRuns.Run(_host, experiment, 2, "a");
        string again = RecipeRuns.Run(_host, experiment, 2, "b");
        string other = RecipeRuns.Run(_host, experiment, 4, "c");

        var table = RecipeRuns.Table(first, "evaluate: held-out text");
        Assert.Equal(["model", "tokens", "characters", "loss (nats/token)", "perplexity", "loss (nats/char)", "bits per character"], table.Columns);
        int vocabulary = model.Model.Model.Config.VocabularySize;
        Assert.Equal(["model", $"uniform guess over {vocabulary} tokens"], table.Rows.Select(r => r[0].ToString()));
        foreach (var row in table.Rows)
        {
            double loss = RecipeRuns.Number(row[3]), tokens = RecipeRuns.Number(row[1]), characters = RecipeRuns.Number(row[2]);
            Assert.Equal(tokens, characters); // a character model: a token is a character
            Assert.Equal(Math.Exp(loss), RecipeRuns.Number(row[4]), 9);
            Assert.Equal(loss * tokens / characters, RecipeRuns.Number(row[5]), 9);
            Assert.Equal(loss * tokens / characters / Math.Log(2), RecipeRuns.Number(row[6]), 9);
        }
        Assert.Equal(Math.Log(vocabulary), RecipeRuns.Number(table.Rows[1][3]), 12);
        Assert.True(RecipeRuns.Number(table.Rows[0][3]) < RecipeRuns.Number(table.Rows[1][3]), "the trained model is no better than a uniform guess");

        var sample = RecipeRuns.Table(first, "evaluate: greedy sample");
        Assert.Equal("Summary: #Person1#", Assert.Single(sample.Rows)[0].ToString());

        Assert.Equal(RecipeRuns.ScrubbedReport(first), RecipeRuns.ScrubbedReport(again));
        Assert.NotEqual(RecipeRuns.ScrubbedReport(first), RecipeRuns.ScrubbedReport(other));   // other held-out documents
    }

    [Fact]
    public void EvaluateScoresTheModelAsItIsStored()
    {
        var f32 = EvaluateRecipe.Evaluate(model.Model, Quick, model.Context("evaluate-f32"));
        try
        {
            WeightQuantizer.Quantize(model.Model.Model, WeightFormat.Q4_0);
            var q4 = EvaluateRecipe.Evaluate(model.Model, Quick, model.Context("evaluate-q4"));
            Assert.Equal(f32.Score.Characters, q4.Score.Characters);
            Assert.NotEqual(f32.Score.Loss, q4.Score.Loss);
        }
        finally
        {
            WeightQuantizer.Quantize(model.Model.Model, WeightFormat.F32);
        }
        Assert.Equal(f32, EvaluateRecipe.Evaluate(model.Model, Quick, model.Context("evaluate-f32-again")));
    }
}
