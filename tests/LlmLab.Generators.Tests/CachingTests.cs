using System.Collections;
using System.Reflection;
using LlmLab.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LlmLab.Generators.Tests;

/// <summary>
/// Incremental caching: rerunning the generator on an unchanged compilation, or after an edit that touches no
/// experiment, reports every named step Cached or Unchanged; and no step's model holds a Roslyn symbol, syntax
/// node or compilation (which would keep old compilations alive and defeat the cache).
/// </summary>
public class CachingTests
{
    static readonly AdditionalText Yaml = GeneratorHarness.Yaml("pretrain-small.experiment.yaml", Samples.PretrainSmallYaml);

    static CSharpCompilation Project() => GeneratorHarness.Compile(
        Samples.Project(("TinyGpt.cs", Samples.TinyGpt), ("Recipes.cs", Samples.PretrainRecipe), ("Other.cs", "namespace Demo;\n\ninternal static class Other\n{\n}\n")),
        [GeneratorHarness.Library("Lab.More", Samples.PretrainRecipe.Replace("\"toy-pretrain\"", "\"pretrain-more\"").Replace("namespace Lab.Recipes", "namespace Lab.More"))]);

    [Fact]
    public void RerunOnAnUnchangedCompilationIsCached()
    {
        var compilation = Project();
        var driver = GeneratorHarness.Driver(Yaml).RunGenerators(compilation);
        var first = driver.GetRunResult();
        var second = driver.RunGenerators(compilation.Clone()).GetRunResult();

        AssertEveryStepReused(second);
        Assert.Equal(Sources(first), Sources(second));
        AssertModelsHoldNoRoslynObjects(first);
    }

    [Fact]
    public void AnUnrelatedEditKeepsEveryStepCached()
    {
        var compilation = Project();
        var driver = GeneratorHarness.Driver(Yaml).RunGenerators(compilation);
        var other = compilation.SyntaxTrees.Single(t => t.FilePath.EndsWith("Other.cs", StringComparison.Ordinal));
        var edited = compilation.ReplaceSyntaxTree(other, GeneratorHarness.Parse("Other.cs",
            "namespace Demo;\n\ninternal static class Other\n{\n    public static int Answer => 42;\n}\n"));

        AssertEveryStepReused(driver.RunGenerators(edited).GetRunResult());
    }

    [Fact]
    public void EditingTheYamlReRunsItsSteps()
    {
        // The check above can fail: a real change shows as Modified.
        var compilation = Project();
        var driver = GeneratorHarness.Driver(Yaml).RunGenerators(compilation);
        driver = driver.ReplaceAdditionalText(Yaml, GeneratorHarness.Yaml("pretrain-small.experiment.yaml", Samples.PretrainSmallYaml.Replace("Layers: 6", "Layers: 8")));
        var result = driver.RunGenerators(compilation.Clone()).GetRunResult().Results.Single();

        Assert.Contains(result.TrackedSteps[TrackingNames.YamlFiles].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains(result.TrackedSteps[TrackingNames.YamlExperiments].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("Layers = 8,", result.GeneratedSources.Single(s => s.HintName == "pretrain-small.experiment.g.cs").SourceText.ToString());
    }

    static void AssertEveryStepReused(GeneratorDriverRunResult run)
    {
        var result = run.Results.Single();
        foreach (var name in TrackingNames.All)
        {
            Assert.True(result.TrackedSteps.TryGetValue(name, out var steps), $"step {name} did not run");
            foreach (var output in steps.SelectMany(s => s.Outputs))
                Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                    $"step {name} was {output.Reason}");
        }
    }

    static string[] Sources(GeneratorDriverRunResult run) =>
        [.. run.Results.Single().GeneratedSources.Select(s => s.HintName + "\n" + s.SourceText)];

    static void AssertModelsHoldNoRoslynObjects(GeneratorDriverRunResult run)
    {
        foreach (var name in TrackingNames.All)
            foreach (var output in run.Results.Single().TrackedSteps[name].SelectMany(s => s.Outputs))
                Visit(output.Value, name, []);
    }

    static void Visit(object? value, string path, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum) return;
        var type = value.GetType();
        Assert.False(value is Compilation or ISymbol or SyntaxNode or SyntaxTree or SemanticModel or Location,
            $"{path} holds a {type.Name}, which defeats incremental caching");
        if (!type.IsValueType && !seen.Add(value)) return;
        if (type.Namespace?.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal) == true) return;   // descriptors, spans
        if (value is IEnumerable items)
        {
            foreach (var item in items) Visit(item, path + "[]", seen);
            return;
        }
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            if (property.GetIndexParameters().Length == 0)
                Visit(property.GetValue(value), $"{path}.{property.Name}", seen);
    }
}
