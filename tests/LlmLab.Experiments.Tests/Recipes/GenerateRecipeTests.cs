namespace LlmLab.Experiments.Tests;

/// <summary>The generate recipe on the quick model: its two tables, determinism, and its configuration errors.</summary>
[Collection("recipes")]
public sealed class GenerateRecipeTests(QuickModel model) : IDisposable
{
    private readonly HostHarness _host = new();

    public void Dispose() => _host.Dispose();

    private GenerateConfig Quick => new() { BaseModel = model.Folder, MaxNewTokens = 24, SamplesPerPrompt = 2 };

    [Fact]
    public void QuickRunReportsEveryStrategyAndASamplePerPromptAndIsTheSameForTheSameSeed()
    {
        var experiment = RecipeRuns.Experiment("generate-quick", c => GenerateRecipe.Run(Quick, c));
        string first = RecipeRuns.Run(_host, experiment, 5, "a");
        string again = RecipeRuns.Run(_host, experiment, 5, "b");
        string other = RecipeRuns.Run(_host, experiment, 6, "c");

        var diversity = RecipeRuns.Table(first, "generate: diversity by strategy");
        Assert.Equal(["strategy", "distinct-1", "distinct-2", "repetition rate (rep-4)", "mean length (words)", "words in the corpus (%)"], diversity.Columns);
        Assert.All(diversity.Rows, r => Assert.InRange(RecipeRuns.Number(r[5]), 0, 100));
        Assert.Contains("generated words occur in the training corpus", diversity.Sentence);
        Assert.Equal(["greedy (argmax)", "temperature (T=0.8)", "top-k (k=40)", "top-p (p=0.9)"], diversity.Rows.Select(r => r[0].ToString()));
        foreach (var row in diversity.Rows)
            for (int c = 1; c <= 3; c++) Assert.InRange(RecipeRuns.Number(row[c]), 0, 1);
        // Greedy's two samples of a prompt are one text, so at most half its word pairs are distinct; sampling differs.
        double greedy = RecipeRuns.Number(diversity.Rows[0][2]);
        Assert.InRange(greedy, 0, 0.5);
        Assert.All(diversity.Rows.Skip(1), r => Assert.True(RecipeRuns.Number(r[2]) > greedy, $"{r[0]} is no more varied than greedy"));
        Assert.Contains("greedy", diversity.Sentence);

        var samples = RecipeRuns.Table(first, "generate: samples");
        Assert.Equal(12, samples.Rows.Count);                         // 4 strategies x 3 prompts
        Assert.Equal(["#Person1#: Hi, I'd like to", "Summary: #Person2#", "How to make a cup of tea:"], samples.Rows.Take(3).Select(r => r[1].ToString()));
        Assert.All(samples.Rows, r => Assert.DoesNotContain("\n", r[2].ToString()));

        Assert.Equal(RecipeRuns.ScrubbedReport(first), RecipeRuns.ScrubbedReport(again));
        Assert.NotEqual(RecipeRuns.ScrubbedReport(first), RecipeRuns.ScrubbedReport(other));
    }

    [Fact]
    public void CompareReturnsWhatTheTablesShow()
    {
        var context = model.Context("generate-typed");
        var result = GenerateRecipe.Compare(model.Model, Quick with { Strategies = "top-p, greedy", Prompts = "How to| Summary:" }, context);

        Assert.Equal(["How to", "Summary:"], result.Prompts);
        Assert.Equal(["top-p", "greedy"], result.Strategies.Select(s => s.Strategy.Name));
        var greedy = result.Strategies[1];
        Assert.All(greedy.Samples, s => Assert.Equal(2, s.Count));
        Assert.All(greedy.Samples, s => Assert.Equal(s[0], s[1]));
        Assert.All(result.Strategies.SelectMany(s => s.Samples).SelectMany(s => s), t => Assert.DoesNotContain("\n\n", t));
        var table = Assert.Single(RunResults.Load(new RunPaths(context.RunFolder).Results).Tables, t => t.Title == "generate: diversity by strategy");
        Assert.Equal(result.Strategies.Select(s => s.Distinct2), table.Rows.Select(r => r[2].Number));
        Assert.Equal(result.Strategies.Select(s => 100 * s.CorpusWordShare), table.Rows.Select(r => r[5].Number));
        Assert.All(result.Strategies, s => Assert.True(s.Words > 0 && s.CorpusWords <= s.Words));
    }

    [Theory]
    [InlineData("greedy,beam", "'beam' is not a strategy")]
    [InlineData("top-k,topk", "'top-k' is listed twice")]
    [InlineData(" , ", "name at least one")]
    public void UnknownOrRepeatedStrategiesAreConfigurationErrors(string strategies, string message)
    {
        var e = Assert.Throws<ExperimentConfigException>(() => SamplingStrategy.Parse(new GenerateConfig { Strategies = strategies }));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void APromptOutsideTheVocabularyIsNamed()
    {
        var e = Assert.Throws<ExperimentConfigException>(() =>
            GenerateRecipe.Compare(model.Model, Quick with { Prompts = "Hi|naïve ☃" }, model.Context("generate-bad-prompt")));
        Assert.Contains("'naïve ☃'", e.Message);
        Assert.Contains("'☃'", e.Message);
    }
}
