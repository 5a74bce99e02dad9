using LlmLab.Backends;

namespace LlmLab.Experiments.Tests;

/// <summary>
/// One quickly pre-trained model for the recipe tests (20 steps on 300 documents, seconds), saved once so each recipe
/// test starts from <c>BaseModel</c> instead of pre-training again. Recipe tests share it through the "recipes"
/// collection, which also keeps them from running beside each other.
/// </summary>
public sealed class QuickModel : IDisposable
{
    public QuickModel()
    {
        Root = Path.Combine(Path.GetTempPath(), "llmlab-recipe-tests", Guid.NewGuid().ToString("N"));
        Backend = LlmLab.Backends.Backend.Create("cpu");
        var context = new ExperimentContext("quick-model", 1, Backend, Path.Combine(Root, "pretrain"), CancellationToken.None);
        Model = PretrainRecipe.Pretrain(new PretrainConfig { Steps = 20, Documents = 300, EvaluationBatches = 2, WarmupSteps = 5 }, context);
        Folder = Path.Combine(context.RunFolder, "model");
    }

    public string Root { get; }
    public IBackend Backend { get; }
    /// <summary>The model/ folder a recipe's BaseModel can name.</summary>
    public string Folder { get; }
    public TinyGpt Model { get; }

    /// <summary>A context for calling a recipe's typed method directly (its files go to a folder of its own under Root).</summary>
    public ExperimentContext Context(string name, ulong seed = 1) =>
        new(name, seed, Backend, Path.Combine(Root, name + "-" + Guid.NewGuid().ToString("N")), CancellationToken.None);

    public void Dispose()
    {
        Backend.Dispose();
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
    }
}

[CollectionDefinition("recipes")]
public sealed class RecipesCollection : ICollectionFixture<QuickModel>;

/// <summary>Runs a recipe through the host as a one-step experiment and reads back what the run recorded.</summary>
internal static class RecipeRuns
{
    public static ExperimentDefinition Experiment(string name, Action<ExperimentContext> recipe) =>
        TestBinder.Define(name, [], _ => [new ExperimentStep("Recipe", recipe)]);

    /// <summary>The run's folder, after asserting it completed; <paramref name="output"/> (under the harness root) keeps runs apart.</summary>
    public static string Run(HostHarness host, ExperimentDefinition experiment, ulong seed, string output)
    {
        string root = Path.Combine(host.Root, output);
        var (code, text) = host.Run([experiment], "run", experiment.Name, "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", root);
        Assert.True(code == ExitCodes.Done, $"the run exited with {code}:\n{text}");
        return Assert.Single(host.RunFolders(experiment.Name, root));
    }

    public static ReportTable Table(string folder, string title) =>
        Assert.Single(RunResults.Load(new RunPaths(folder).Results).Tables, t => t.Title == title);

    public static string ScrubbedReport(string folder) => ReportScrubber.Scrub(File.ReadAllText(new RunPaths(folder).ReportMarkdown));

    public static double Number(ReportCell cell)
    {
        Assert.Equal(ReportCellKind.Number, cell.Kind);
        return cell.Number;
    }
}
