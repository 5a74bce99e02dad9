using System.Globalization;
using LlmLab.Backends;

namespace LlmLab.Experiments;

/// <summary>A decoding strategy of the generate recipe: its name, its settings as text and the sampler's options.</summary>
public sealed record SamplingStrategy(string Name, string Settings, SamplingOptions Options)
{
    public static readonly string[] Names = ["greedy", "temperature", "top-k", "top-p"];

    /// <summary>The strategies a comma list names, in its order; an unknown or repeated name is a configuration error.</summary>
    public static IReadOnlyList<SamplingStrategy> Parse(GenerateConfig config)
    {
        var strategies = new List<SamplingStrategy>();
        foreach (string item in config.Strategies.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            string name = item.ToLowerInvariant().Replace('_', '-');
            if (name is "topk" or "topp") name = name.Insert(3, "-");
            var strategy = name switch
            {
                "greedy" => new SamplingStrategy(name, "argmax", SamplingOptions.GreedyDecoding),
                "temperature" => new SamplingStrategy(name, $"T={Text(config.Temperature)}", new SamplingOptions { Temperature = (float)config.Temperature }),
                "top-k" => new SamplingStrategy(name, $"k={config.TopK}", new SamplingOptions { TopK = config.TopK }),
                "top-p" => new SamplingStrategy(name, $"p={Text(config.TopP)}", new SamplingOptions { TopP = (float)config.TopP }),
                _ => throw new ExperimentConfigException($"Strategies: '{item}' is not a strategy; use a comma list of {string.Join(", ", Names)}"),
            };
            if (strategies.Any(s => s.Name == strategy.Name)) throw new ExperimentConfigException($"Strategies: '{strategy.Name}' is listed twice");
            strategies.Add(strategy);
        }
        if (strategies.Count == 0) throw new ExperimentConfigException($"Strategies: name at least one of {string.Join(", ", Names)}");
        return strategies;
    }

    public bool IsGreedy => Options.IsGreedy;

    public override string ToString() => $"{Name} ({Settings})";

    private static string Text(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
