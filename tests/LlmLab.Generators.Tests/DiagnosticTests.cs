using LlmLab.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace LlmLab.Generators.Tests;

/// <summary>
/// Each LLMLAB diagnostic fires once, as an error, at the right file, line and column: in C# where "/*!*/" marks
/// it, in YAML at the key or value it is about.
/// </summary>
public class DiagnosticTests
{
    const string Marker = "/*!*/";
    const string Head = "using LlmLab.Experiments;\n\nnamespace Demo;\n\n";
    const string Run = " public void Run(ExperimentContext context) { } ";

    [Theory]
    [InlineData("LLMLAB001", "did you mean Layers?",
        "[Experiment(\"a\")]\n[Profile(\"quick\", /*!*/\"Layrs=2\")]\npublic class A {" + Run + "[Param] public int Layers { get; set; } = 1; }")]
    [InlineData("LLMLAB002", "Layers: 'two' is not an int",
        "[Experiment(\"a\")]\n[Profile(\"quick\", \"Layers=1\", /*!*/\"Layers=two\")]\npublic class A {" + Run + "[Param] public int Layers { get; set; } = 1; }")]
    [InlineData("LLMLAB003", "Layers: 9 is out of range; expected 1 to 8",
        "[Experiment(\"a\")]\n[Profile(\"big\", /*!*/\"Layers=9\")]\npublic class A {" + Run + "[Param(Min = 1, Max = 8)] public int Layers { get; set; } = 1; }")]
    [InlineData("LLMLAB003", "'adam' is not one of adamw, sgd; did you mean adamw?",
        "[Experiment(\"a\")]\n[Profile(\"p\", /*!*/\"Optimizer=adam\")]\npublic class A {" + Run + "[Param(Choices = [\"adamw\", \"sgd\"])] public string Optimizer { get; set; } = \"sgd\"; }")]
    [InlineData("LLMLAB006", "experiment name 'a' is already used by Bad.cs",
        "[Experiment(\"a\")]\npublic class A {" + Run + "}\n[Experiment(/*!*/\"a\")]\npublic class B {" + Run + "}")]
    [InlineData("LLMLAB008", "needs a public set or init accessor",
        "[Experiment(\"a\")]\npublic class A {" + Run + "[Param] public int /*!*/Layers { get; } = 1; }")]
    [InlineData("LLMLAB008", "its type System.DateTime is not supported",
        "[Experiment(\"a\")]\npublic class A {" + Run + "[Param] public System.DateTime /*!*/When { get; set; } }")]
    [InlineData("LLMLAB008", "Min (5) is greater than Max (1)",
        "[Experiment(\"a\")]\npublic class A {" + Run + "[Param(Min = 5, Max = 1)] public int /*!*/Layers { get; set; } = 1; }")]
    [InlineData("LLMLAB008", "Choices apply to strings only",
        "[Experiment(\"a\")]\npublic class A {" + Run + "[Param(Choices = [\"1\"])] public int /*!*/Layers { get; set; } = 1; }")]
    [InlineData("LLMLAB008", "needs a default value instead of 'required'",
        "[Experiment(\"a\")]\npublic class A {" + Run + "[Param] public required string /*!*/Corpus { get; set; } }")]
    [InlineData("LLMLAB008", "its key is the same as LearningRate's",
        "[Experiment(\"a\")]\npublic class A {" + Run + "[Param] public int LearningRate { get; set; } [Param] public int /*!*/Learning_Rate { get; set; } }")]
    [InlineData("LLMLAB009", "needs a 'public void Run(ExperimentContext context)' method or [Step] methods",
        "[Experiment(\"a\")]\npublic class /*!*/A { public void Run() { } }")]
    [InlineData("LLMLAB009", "needs a public parameterless constructor",
        "[Experiment(\"a\")]\npublic class /*!*/A(int layers) {" + Run + "public int Layers => layers; }")]
    [InlineData("LLMLAB009", "its required member Corpus has no value the generated code could give",
        "[Experiment(\"a\")]\npublic class /*!*/A {" + Run + "public required string Corpus { get; set; } }")]
    [InlineData("LLMLAB009", "it has both a Run method and [Step] methods",
        "[Experiment(\"a\")]\npublic class /*!*/A {" + Run + "[Step(1)] public void Go(ExperimentContext c) { } }")]
    [InlineData("LLMLAB009", "a step must be 'public void Go(ExperimentContext context)'",
        "[Experiment(\"a\")]\npublic class A { [Step(1)] public int /*!*/Go() => 0; }")]
    [InlineData("LLMLAB009", "order 1 is already taken by First",
        "[Experiment(\"a\")]\npublic class A { [Step(1)] public void First(ExperimentContext c) { } [Step(1)] public void /*!*/Second(ExperimentContext c) { } }")]
    [InlineData("LLMLAB010", "experiment name 'Tiny GPT' must be lower-case words joined by '-', such as 'tiny-gpt'",
        "[Experiment(/*!*/\"Tiny GPT\")]\npublic class A {" + Run + "}")]
    [InlineData("LLMLAB011", "profile 'quick': setting 'Layers 2' is not Key=value",
        "[Experiment(\"a\")]\n[Profile(\"quick\", /*!*/\"Layers 2\")]\npublic class A {" + Run + "[Param] public int Layers { get; set; } = 1; }")]
    [InlineData("LLMLAB011", "profile 'quick' is declared twice",
        "[Experiment(\"a\")]\n[Profile(\"quick\")]\n[Profile(/*!*/\"quick\")]\npublic class A {" + Run + "}")]
    [InlineData("LLMLAB012", "'b' and 'a' (Bad.cs) are both marked default",
        "[Experiment(\"a\", IsDefault = true)]\npublic class A {" + Run + "}\n[Experiment(\"b\", /*!*/IsDefault = true)]\npublic class B {" + Run + "}")]
    [InlineData("LLMLAB013", "[Recipe] C: it needs a public parameterless constructor",
        "[Recipe(\"r\", typeof(R))]\npublic sealed record /*!*/C(int X);\npublic static class R { }")]
    [InlineData("LLMLAB013", "its required member Corpus must be a [Param] so that a YAML file can set it",
        "[Recipe(\"r\", typeof(R))]\npublic sealed record /*!*/C { public required string Corpus { get; init; } }\npublic static class R { public static void Run(C config, ExperimentContext context) { } }")]
    public void CSharpMistake(string id, string message, string body)
    {
        var code = Head + body;
        var expected = Position(code, code.IndexOf(Marker, StringComparison.Ordinal) + Marker.Length);
        var run = GeneratorHarness.Run(GeneratorHarness.Compile(Samples.Project(("Bad.cs", code))));

        AssertSingle(run, id, message, "Bad.cs", expected);
    }

    const string Recipe = "name: small\nrecipe: toy-pretrain\nparams:\n  Output: runs/small\n";

    [Theory]
    [InlineData("LLMLAB001", "recipe 'toy-pretrain' has no parameter 'Layrs'; did you mean Layers?", 5, 3, Recipe + "  Layrs: 2\n")]
    [InlineData("LLMLAB001", "an experiment file has no key 'parmas'; did you mean params?", 3, 1, "name: small\nrecipe: toy-pretrain\nparmas:\n  Output: o\n")]
    [InlineData("LLMLAB001", "profile 'quick': recipe 'toy-pretrain' has no parameter 'Layrs'; did you mean Layers?", 7, 5, Recipe + "profiles:\n  quick:\n    Layrs: 2\n")]
    [InlineData("LLMLAB002", "Layers: 'two' is not an int", 5, 11, Recipe + "  Layers: two\n")]
    [InlineData("LLMLAB002", "LearningRate: 'fast' is not a double", 5, 17, Recipe + "  LearningRate: fast\n")]
    [InlineData("LLMLAB002", "'params' must be a mapping of key: value lines", 3, 9, "name: small\nrecipe: toy-pretrain\nparams: 5\n")]
    [InlineData("LLMLAB002", "'Layers' must be a single value, not a list", 5, 11, Recipe + "  Layers: [1, 2]\n")]
    [InlineData("LLMLAB002", "default: 'maybe' is not a bool", 5, 10, Recipe + "default: maybe\n")]
    [InlineData("LLMLAB003", "Layers: 99 is out of range; expected 1 to 48", 5, 11, Recipe + "  Layers: 99\n")]
    [InlineData("LLMLAB003", "Corpus: 'big' is not one of tiny, small", 5, 11, Recipe + "  Corpus: big\n")]
    [InlineData("LLMLAB003", "Activation: 'tanh' is not one of Gelu, Relu", 7, 17, Recipe + "profiles:\n  quick:\n    Activation: tanh\n")]
    [InlineData("LLMLAB004", "recipe 'toy-pretrain' requires Output (a string); set it under params:", 3, 1, "name: small\nrecipe: toy-pretrain\nparams:\n  Layers: 2\n")]
    [InlineData("LLMLAB004", "params: Layers has no value; expected an int (1 to 48)", 5, 10, Recipe + "  Layers:\n")]
    [InlineData("LLMLAB004", "missing 'name'", 1, 1, "recipe: toy-pretrain\nparams:\n  Output: o\n")]
    [InlineData("LLMLAB005", "unknown recipe 'toy-pretrian'; did you mean toy-pretrain? Known recipes: ", 2, 9, "name: small\nrecipe: toy-pretrian\n")]
    [InlineData("LLMLAB006", "experiment name 'tiny-gpt' is already used by TinyGpt.cs", 1, 7, "name: tiny-gpt\nrecipe: toy-pretrain\nparams:\n  Output: o\n")]
    [InlineData("LLMLAB007", "the YAML cannot be read past here (an unclosed '[', '{' or quote?)", 1, 7, "name: [oops\nrecipe: toy-pretrain\n")]
    [InlineData("LLMLAB007", "bad.experiment.yaml: While scanning a plain scalar value, found invalid mapping", 5, 10, Recipe + "   Layers: 4\n")]
    [InlineData("LLMLAB007", "bad.experiment.yaml: Duplicate key quick", 8, 3, Recipe + "profiles:\n  quick:\n    Layers: 2\n  quick:\n    Layers: 3\n")]
    [InlineData("LLMLAB007", "expected a mapping with name:, recipe: and params:", 1, 1, "- name: small\n")]
    [InlineData("LLMLAB010", "experiment name 'Pretrain Small' must be lower-case words joined by '-', such as 'pretrain-small'", 1, 7, "name: Pretrain Small\nrecipe: toy-pretrain\nparams:\n  Output: o\n")]
    public void YamlMistake(string id, string message, int line, int column, string yaml)
    {
        var run = GeneratorHarness.Run(
            GeneratorHarness.Compile(Samples.Project(("TinyGpt.cs", Samples.TinyGpt), ("Recipes.cs", Samples.PretrainRecipe))),
            GeneratorHarness.Yaml("bad.experiment.yaml", yaml));

        AssertSingle(run, id, message, "bad.experiment.yaml", new LinePosition(line - 1, column - 1));
    }

    [Theory]
    [InlineData("")]
    [InlineData(":")]
    [InlineData("{")]
    [InlineData("\"")]
    [InlineData("name: 'x\n")]
    [InlineData("- a\n- b\n")]
    [InlineData("name: x\n---\nname: y\n")]
    [InlineData("name: x\nname: y\nrecipe: toy-pretrain\n")]
    [InlineData("&a name: *a\n")]
    [InlineData("? [a, b]\n: c\n")]
    [InlineData("\0\u0001\u0002")]
    [InlineData("profiles:\n  [a]: 1\n")]
    [InlineData("params:\n  ? {a: 1}\n  : 2\n")]
    public void NoExceptionEscapesOnGarbage(string yaml)
    {
        var run = GeneratorHarness.Run(
            GeneratorHarness.Compile(Samples.Project(("TinyGpt.cs", Samples.TinyGpt), ("Recipes.cs", Samples.PretrainRecipe))),
            GeneratorHarness.Yaml("bad.experiment.yaml", yaml));

        // An escaped exception shows as CS8785 and drops every generated file; instead there are LLMLAB errors only.
        Assert.NotEmpty(run.Diagnostics);
        Assert.All(run.Diagnostics, diagnostic =>
        {
            Assert.StartsWith("LLMLAB", diagnostic.Id);
            Assert.Equal(GeneratorHarness.Folder + "bad.experiment.yaml", diagnostic.Location.GetLineSpan().Path);
        });
        Assert.Contains("tiny-gpt.experiment.g.cs", run.HintNames);
    }

    static void AssertSingle(GeneratorRun run, string id, string message, string file, LinePosition expected)
    {
        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Contains(message, diagnostic.GetMessage());
        var span = diagnostic.Location.GetLineSpan();
        Assert.Equal(GeneratorHarness.Folder + file, span.Path);
        Assert.Equal(expected, span.StartLinePosition);
    }

    static LinePosition Position(string text, int index)
    {
        var before = text[..index];
        var line = before.Count(c => c == '\n');
        return new LinePosition(line, index - (before.LastIndexOf('\n') + 1));
    }
}
