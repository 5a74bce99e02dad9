using LlmLab.Backends;
using LlmLab.Data;
using LlmLab.Models;
using LlmLab.Tokenizers;
using LlmLab.Training;

namespace LlmLab.Benchmarks.Training;

/// <summary>
/// A GPT training step as nanoGPT configures it, on the synthetic corpus with a character vocabulary: the trainer's
/// full step (forward, backward, global-norm clipping, AdamW) with nothing written to disk.
/// </summary>
public sealed class TrainingWorkload : IDisposable
{
    /// <summary>The two docs/performance.md models: nanoGPT's "CPU" configuration and Shakespeare-char.</summary>
    public static readonly Dictionary<string, (int Layers, int Heads, int Width, int Context, int Batch)> Models = new()
    {
        ["4L-128W-T64-B12"] = (4, 4, 128, 64, 12),
        ["6L-384W-T256-B8"] = (6, 6, 384, 256, 8),
    };

    private readonly Trainer _trainer;

    public TrainingWorkload(IBackend backend, string model) : this(backend, Models[model])
    {
    }

    /// <summary>
    /// Any shape. With <paramref name="vocabulary"/> the model has exactly that many token rows (the ids are taken
    /// modulo it), so it matches a reference model of that vocabulary (the anchors' PyTorch GPT uses 65); without, the
    /// corpus's character vocabulary.
    /// </summary>
    public TrainingWorkload(IBackend backend, (int Layers, int Heads, int Width, int Context, int Batch) shape, int? vocabulary = null)
    {
        var (layers, heads, width, context, batch) = shape;
        string text = string.Join("\n\n", PretrainingCorpus.Generate(seed: 1, documents: 400));
        var tokenizer = CharTokenizer.Build(text);
        int[] tokens = tokenizer.Encode(text);
        if (vocabulary is int v) tokens = Array.ConvertAll(tokens, t => t % v);
        Gpt = new Gpt(backend, new GptConfig
        {
            VocabularySize = vocabulary ?? tokenizer.VocabularySize, Context = context, Layers = layers, Heads = heads, Width = width,
        }, seed: 1);
        TokensPerStep = context * batch;
        var options = new TrainingOptions { Steps = int.MaxValue, WarmupSteps = 10, EvaluationInterval = 0, CheckpointInterval = 0 };
        _trainer = new Trainer(backend, Gpt, (tape, b) => Gpt.Loss(tape, b.Inputs, b.Targets), options,
            new CausalLmBatches(tokens, context, batch, seed: 1));
    }

    public Gpt Gpt { get; }
    public int TokensPerStep { get; }

    public TrainingStepReport Step() => _trainer.TrainStep();

    public void Dispose() => _trainer.Dispose();
}
