using LlmLab.Backends;
using LlmLab.Experiments;
using LlmLab.Generation;

namespace Lifecycle;

/// <summary>
/// Example (a), in C#: pre-train nanoGPT's CPU-sized character model on the synthetic corpus, then continue a few
/// prompts greedily and with sampling, streaming the text as it is generated.
/// </summary>
[Experiment("pretrain-tiny-gpt", Description = "Pre-train a 4-layer character GPT on the synthetic corpus, then sample from it")]
[Profile("quick", "Steps=40", "WarmupSteps=5", "Documents=200", "EvaluationInterval=20", "EvaluationBatches=4", "MaxNewTokens=60")]
public sealed class PretrainTinyGpt
{
    [Param(Description = "transformer blocks", Min = 1, Max = 48)] public int Layers { get; set; } = 4;
    [Param(Description = "attention heads", Min = 1, Max = 64)] public int Heads { get; set; } = 4;
    [Param(Description = "model width", Min = 8, Max = 4096)] public int Width { get; set; } = 128;
    [Param(Description = "context length in characters", Min = 8, Max = 4096)] public int Context { get; set; } = 64;
    [Param(Description = "sequences per step", Min = 1, Max = 4096)] public int BatchSize { get; set; } = 12;
    [Param(Description = "optimizer steps", Min = 1, Max = 1_000_000)] public int Steps { get; set; } = 2000;
    [Param(Description = "peak learning rate", Min = 0, Max = 1)] public double LearningRate { get; set; } = 1e-3;
    [Param(Description = "linear warm-up steps", Min = 0, Max = 1_000_000)] public int WarmupSteps { get; set; } = 100;
    [Param(Description = "corpus documents to train on", Min = 10, Max = 10_000_000)] public int Documents { get; set; } = 4000;
    [Param(Description = "validation every this many steps", Min = 0, Max = 1_000_000)] public int EvaluationInterval { get; set; } = 250;
    [Param(Description = "validation batches averaged", Min = 1, Max = 10_000)] public int EvaluationBatches { get; set; } = 20;
    [Param(Description = "characters to generate per prompt", Min = 1, Max = 10_000)] public int MaxNewTokens { get; set; } = 200;

    private TinyGpt? _model;

    [Step(1)]
    public void Pretrain(ExperimentContext context) => _model = PretrainRecipe.Pretrain(new PretrainConfig
    {
        Layers = Layers, Heads = Heads, Width = Width, Context = Context, BatchSize = BatchSize, Steps = Steps,
        LearningRate = LearningRate, MinLearningRate = LearningRate / 10, WarmupSteps = WarmupSteps, Documents = Documents,
        EvaluationInterval = EvaluationInterval, EvaluationBatches = EvaluationBatches,
    }, context);

    [Step(2)]
    public void Sample(ExperimentContext context)
    {
        var model = _model ?? throw new InvalidOperationException("the pretrain step did not run");
        string[] prompts = ["#Person1#: Hi, I'd like to book", "How to make a cup of tea:\n1."];
        var strategies = new (string Name, SamplingOptions Sampling)[]
        {
            ("greedy", SamplingOptions.GreedyDecoding),
            ("temperature 0.8, top-k 40", new SamplingOptions { Temperature = 0.8f, TopK = 40 }),
        };
        var rows = new List<IReadOnlyList<object?>>();
        foreach (var (name, sampling) in strategies)
            foreach (string prompt in prompts)
            {
                context.Stream($"[{name}] {prompt}");
                var streamer = new TextStreamer(model.Tokenizer, context.Stream);
                var tokens = Generator.Generate(model.Model, [model.Tokenizer.Encode(prompt)],
                    new GenerationOptions { MaxNewTokens = MaxNewTokens, Sampling = sampling, Seed = context.Seed },
                    (_, token) => streamer.Add(token))[0];
                streamer.Flush();
                string text = model.Tokenizer.Decode(tokens);
                context.EndStream($"[{name}] {prompt}{text}");
                rows.Add([name, Quote(prompt), Quote(text)]);
            }
        context.Table("samples", ["strategy", "prompt", "continuation"], rows,
            $"Continuations of {prompts.Length} prompts by {strategies.Length} strategies, {MaxNewTokens} characters each.");
    }

    // One line of a Markdown table: newlines shown as ⏎, pipes escaped by the report.
    private static string Quote(string text) => text.Replace("\r", "").Replace("\n", " ⏎ ");
}
