using LlmLab.Experiments;
using LlmLab.Generators.Tests.Infrastructure;

namespace LlmLab.Generators.Tests;

/// <summary>
/// The generated code compiled, loaded and called: defaults, overrides in order, profiles, errors with
/// "did you mean", steps, and a YAML experiment whose step runs its recipe with the bound config.
/// </summary>
public class GeneratedBinderTests
{
    static readonly IReadOnlyList<ExperimentDefinition> Registry = Load();

    static IReadOnlyList<ExperimentDefinition> Load()
    {
        var run = GeneratorHarness.Run(
            GeneratorHarness.Compile(Samples.Project(("TinyGpt.cs", Samples.TinyGpt), ("Recipes.cs", Samples.PretrainRecipe))),
            GeneratorHarness.Yaml("pretrain-small.experiment.yaml", Samples.PretrainSmallYaml));
        Assert.Empty(run.Problems);
        return GeneratorHarness.LoadRegistry(run.Output);
    }

    static ExperimentDefinition TinyGpt => Registry.Single(e => e.Name == "tiny-gpt");
    static ExperimentDefinition PretrainSmall => Registry.Single(e => e.Name == "pretrain-small");

    static KeyValuePair<string, string>[] Set(params string[] settings) =>
        [.. settings.Select(s => s.Split('=', 2)).Select(p => new KeyValuePair<string, string>(p[0], p[1]))];

    static string Parameters(BoundExperiment bound) => string.Join(" ", bound.Parameters.Select(p => $"{p.Key}={p.Value}"));

    [Fact]
    public void RegistryListsBothSortedByName()
    {
        Assert.Equal(["pretrain-small", "tiny-gpt"], Registry.Select(e => e.Name));
        Assert.True(TinyGpt.IsDefault);
        Assert.Equal("TinyGpt.cs", TinyGpt.Source);
        Assert.Null(TinyGpt.Recipe);
        Assert.Equal("pretrain-small.experiment.yaml", PretrainSmall.Source);
        Assert.Equal("toy-pretrain", PretrainSmall.Recipe);
        Assert.Equal("The tiny GPT at another size.", PretrainSmall.Description);
    }

    [Fact]
    public void SpecsCarryDefaultsBoundsChoicesAndTypeNames()
    {
        var specs = TinyGpt.Parameters.ToDictionary(p => p.Key);
        Assert.Equal(["Layers", "Steps", "Tokens", "Dropout", "LearningRate", "TiedEmbeddings", "Optimizer", "Schedule"], TinyGpt.Parameters.Select(p => p.Key));
        Assert.Equal(new ParameterSpec("Layers", ParameterKind.Int32, "4", "Transformer blocks", 1, 48) { TypeName = "int" }, specs["Layers"]);
        Assert.Equal("0.1", specs["Dropout"].DefaultText);
        Assert.Equal("0.0003", specs["LearningRate"].DefaultText);
        Assert.Equal("true", specs["TiedEmbeddings"].DefaultText);
        Assert.Equal(["adamw", "sgd"], specs["Optimizer"].Choices!);
        Assert.Equal(["Constant", "Cosine"], specs["Schedule"].Choices!);
        Assert.Equal(("Cosine", "Schedule", ParameterKind.Enum), (specs["Schedule"].DefaultText, specs["Schedule"].TypeName, specs["Schedule"].Kind));
    }

    [Fact]
    public void OverridesApplyInOrderWithKeysMatchedLoosely()
    {
        var bound = TinyGpt.Bind(null, Set("learning_rate=1e-3", "layers=6", "Layers=8", "schedule=constant", "tied-embeddings=False", "Tokens=7", "dropout=0.25"));
        Assert.Equal("Layers=8 Steps=200 Tokens=7 Dropout=0.25 LearningRate=0.001 TiedEmbeddings=false Optimizer=adamw Schedule=Constant", Parameters(bound));
        Assert.Same(TinyGpt, bound.Definition);
    }

    [Fact]
    public void ProfileComesFirstThenTheOverrides()
    {
        var bound = TinyGpt.Bind("quick", Set("Layers=3"));
        Assert.Equal("3", bound.Parameters.Single(p => p.Key == "Layers").Value);
        Assert.Equal("20", bound.Parameters.Single(p => p.Key == "Steps").Value);
        Assert.Equal(["quick", "fast-lr"], TinyGpt.Profiles.Select(p => p.Name));
    }

    [Theory]
    [InlineData("Layrs=3", "experiment 'tiny-gpt' has no parameter 'Layrs'; did you mean Layers?")]
    [InlineData("batch=3", "experiment 'tiny-gpt' has no parameter 'batch'; its parameters are Layers, Steps, Tokens, Dropout, LearningRate, TiedEmbeddings, Optimizer, Schedule")]
    [InlineData("Layers=100", "Layers: 100 is out of range; expected 1 to 48")]
    [InlineData("Layers=4.5", "Layers: '4.5' is not an int (a whole number from -2147483648 to 2147483647)")]
    [InlineData("Tokens=-1", "Tokens: '-1' is not a ulong (a whole number, 0 or more)")]
    [InlineData("Dropout=1.5", "Dropout: 1.5 is out of range; expected 0 to 1")]
    [InlineData("TiedEmbeddings=yes", "TiedEmbeddings: 'yes' is not a bool (true or false)")]
    [InlineData("Optimizer=AdamW", "Optimizer: 'AdamW' is not one of adamw, sgd; did you mean adamw?")]
    [InlineData("Schedule=linear", "Schedule: 'linear' is not one of Constant, Cosine")]
    public void BadOverridesSayWhatWasExpected(string setting, string message)
    {
        var error = Assert.Throws<ExperimentConfigException>(() => TinyGpt.Bind(null, Set(setting)));
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void StepsRunInOrderOnTheBoundInstance()
    {
        var bound = TinyGpt.Bind(null, Set("Layers=2", "Optimizer=sgd"));
        Assert.Equal(["pretrain", "sample text"], bound.Steps.Select(s => s.Name));
        var log = (List<string>)bound.Steps[0].Run.Method.DeclaringType!.GetField("Log")!.GetValue(null)!;
        log.Clear();
        foreach (var step in bound.Steps) step.Run(Context("tiny-gpt"));
        Assert.Equal(["pretrain 2 200 0.0003", "sample sgd"], log);
    }

    [Fact]
    public void YamlExperimentStartsFromTheFileAndRunsItsRecipe()
    {
        Assert.Equal("Layers=6 LearningRate=0.0003 Corpus=tiny Activation=Gelu Output=runs/pretrain-small", Parameters(PretrainSmall.Bind(null, [])));
        Assert.Equal(["6", "0.0003", "tiny", "Gelu", "runs/pretrain-small"], PretrainSmall.Parameters.Select(p => p.DefaultText));

        var bound = PretrainSmall.Bind("quick", Set("activation=relu"));
        Assert.Equal("Layers=2 LearningRate=0.0003 Corpus=small Activation=Relu Output=runs/pretrain-small", Parameters(bound));
        var step = Assert.Single(bound.Steps);
        Assert.Equal("toy-pretrain", step.Name);
        step.Run(Context("pretrain-small"));
        var runner = bound.Definition.Binder.Method.DeclaringType!.Assembly.GetType("Lab.Recipes.PretrainRunner")!;
        Assert.Equal("pretrain-small: 2 0.0003 small Relu runs/pretrain-small", runner.GetField("Last")!.GetValue(null));
    }

    [Fact]
    public void YamlExperimentRejectsKeysItsRecipeLacks()
    {
        var error = Assert.Throws<ExperimentConfigException>(() => PretrainSmall.Bind(null, Set("NotAParameter=x")));
        Assert.StartsWith("experiment 'pretrain-small' has no parameter 'NotAParameter'", error.Message);
    }

    // The steps here never touch the backend.
    static ExperimentContext Context(string name) => new(name, 1, null!, "/tmp/none", CancellationToken.None);
}
