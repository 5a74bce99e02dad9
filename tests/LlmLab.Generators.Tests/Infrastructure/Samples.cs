namespace LlmLab.Generators.Tests.Infrastructure;

/// <summary>The experiment sources the tests generate from: one C# experiment, one recipe, one YAML experiment.</summary>
public static class Samples
{
    public const string TinyGpt = """
        using System.Collections.Generic;
        using LlmLab.Experiments;

        namespace Demo;

        public enum Schedule { Constant, Cosine }

        [Experiment("tiny-gpt", Description = "Pre-train a tiny GPT on the synthetic corpus.", IsDefault = true)]
        [Profile("quick", "Steps=20", "layers=2")]
        [Profile("fast-lr", "learning_rate=1e-3")]
        public sealed class TinyGpt
        {
            public static readonly List<string> Log = [];

            [Param(Description = "Transformer blocks", Min = 1, Max = 48)] public int Layers { get; set; } = 4;
            [Param(Min = 1)] public long Steps { get; init; } = 200;
            [Param] public ulong Tokens { get; set; } = 100000;
            [Param(Min = 0, Max = 1)] public float Dropout { get; set; } = 0.1f;
            [Param(Description = "Peak learning rate", Min = 0)] public double LearningRate { get; set; } = 3e-4;
            [Param] public bool TiedEmbeddings { get; set; } = true;
            [Param(Choices = ["adamw", "sgd"])] public string Optimizer { get; set; } = "adamw";
            [Param] public Schedule Schedule { get; set; } = Schedule.Cosine;

            [Step(1)] public void Pretrain(ExperimentContext context) => Log.Add($"pretrain {Layers} {Steps} {LearningRate}");
            [Step(2, Name = "sample text")] public void Sample(ExperimentContext context) => Log.Add($"sample {Optimizer}");
        }
        """;

    public const string PretrainRecipe = """
        using LlmLab.Experiments;

        namespace Lab.Recipes;

        public enum Activation { Gelu, Relu }

        [Recipe("toy-pretrain", typeof(PretrainRunner), Description = "Pre-train a GPT.")]
        public sealed record PretrainConfig
        {
            [Param(Description = "Transformer blocks", Min = 1, Max = 48)] public int Layers { get; init; } = 4;
            [Param(Min = 0)] public double LearningRate { get; init; } = 1e-3;
            [Param(Choices = ["tiny", "small"])] public string Corpus { get; init; } = "tiny";
            [Param] public Activation Activation { get; init; } = Activation.Gelu;
            [Param(Description = "Where the checkpoint goes")] public required string Output { get; init; }
            public string NotAParameter { get; init; } = "";
        }

        public static class PretrainRunner
        {
            public static string? Last;
            public static void Run(PretrainConfig config, ExperimentContext context) => Last = $"{context.ExperimentName}: {config.Layers} {config.LearningRate} {config.Corpus} {config.Activation} {config.Output}";
        }
        """;

    public const string PretrainSmallYaml = """
        name: pretrain-small
        description: The tiny GPT at another size.
        recipe: toy-pretrain
        params:
          Layers: 6
          learning_rate: 3e-4
          Output: runs/pretrain-small
        profiles:
          quick:
            Layers: 2
            corpus: small

        """;

    /// <summary>A C# file with nothing to generate, for projects whose experiments are all YAML.</summary>
    public const string Empty = "namespace Demo;\n\ninternal static class Nothing\n{\n}\n";

    /// <summary>
    /// The sources of a test project: <paramref name="sources"/> plus, until the host helper's ExperimentHost is in
    /// LlmLab.Experiments, a stand-in for it (the generated Main calls it).
    /// </summary>
    public static (string Name, string Code)[] Project(params (string Name, string Code)[] sources) =>
        typeof(LlmLab.Experiments.ExperimentDefinition).Assembly.GetType("LlmLab.Experiments.ExperimentHost") is null
            ? [.. sources, ("ExperimentHost.cs", Host)]
            : sources;

    const string Host = """
        namespace LlmLab.Experiments;

        public static class ExperimentHost
        {
            public static int Run(string[] args, System.Collections.Generic.IReadOnlyList<ExperimentDefinition> experiments) => experiments.Count;
        }
        """;
}
