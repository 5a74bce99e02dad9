using LlmLab.Generators.Tests.Infrastructure;
using LlmLab.Testing;
using Microsoft.CodeAnalysis;

namespace LlmLab.Generators.Tests;

/// <summary>The generated source of one C# and one YAML experiment, the registry and Main, against verified snapshots.</summary>
public class SnapshotTests
{
    [Fact]
    public void CSharpExperiment()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.Compile(Samples.Project(("TinyGpt.cs", Samples.TinyGpt))));
        Assert.Empty(run.Problems);
        Snapshot.Match(run.Source("tiny-gpt.experiment.g.cs"), "TinyGpt");
    }

    [Fact]
    public void YamlExperimentOfARecipeInAReferencedAssembly()
    {
        var recipes = GeneratorHarness.Library("Lab.Recipes", Samples.PretrainRecipe);
        var run = GeneratorHarness.Run(
            GeneratorHarness.Compile(Samples.Project(("Nothing.cs", Samples.Empty)), [recipes]),
            GeneratorHarness.Yaml("pretrain-small.experiment.yaml", Samples.PretrainSmallYaml));
        Assert.Empty(run.Problems);
        Snapshot.Match(run.Source("pretrain-small.experiment.g.cs"), "PretrainSmall");
    }

    [Fact]
    public void RegistryAndEntryPoint()
    {
        var run = GeneratorHarness.Run(
            GeneratorHarness.Compile(Samples.Project(("TinyGpt.cs", Samples.TinyGpt), ("Recipes.cs", Samples.PretrainRecipe))),
            GeneratorHarness.Yaml("pretrain-small.experiment.yaml", Samples.PretrainSmallYaml));
        Assert.Empty(run.Problems);
        Snapshot.Match(run.Source("ExperimentRegistry.g.cs") + "\n" + run.Source("ExperimentProgram.g.cs"), "Registry");
    }

    [Theory]
    [InlineData("Program.cs", "System.Console.WriteLine(LlmLab.Generated.ExperimentRegistry.All.Count);")]
    [InlineData("Program.cs", "namespace Demo; static class Program { static int Main(string[] args) => 0; }")]
    public void NoMainWhenTheProjectHasAnEntryPoint(string file, string code)
    {
        var run = GeneratorHarness.Run(GeneratorHarness.Compile(Samples.Project(("TinyGpt.cs", Samples.TinyGpt), (file, code))));
        Assert.Empty(run.Problems);
        Assert.DoesNotContain("ExperimentProgram.g.cs", run.HintNames);
        Assert.Contains("ExperimentRegistry.g.cs", run.HintNames);
    }

    [Fact]
    public void NoMainInALibrary()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.Compile(Samples.Project(("TinyGpt.cs", Samples.TinyGpt)), kind: OutputKind.DynamicallyLinkedLibrary));
        Assert.Empty(run.Problems);
        Assert.Equal(["tiny-gpt.experiment.g.cs", "ExperimentRegistry.g.cs"], run.HintNames);
    }
}
