using LlmLab.Models;
using LlmLab.Models.HuggingFace;
using LlmLab.Nn;
using LlmLab.Random;

namespace LlmLab.Peft;

/// <summary>
/// Houlsby bottleneck adapters (Houlsby et al. 2019) on a decoder-only model (LlmLab's GPT, GPT-2, Llama), BERT or T5:
/// freeze everything, then give every block an adapter h + up(act(down(h))) on the attention's output (after its
/// output projection) and one on the MLP's output, each before the residual add (and, in BERT's post-LN layers,
/// before the LayerNorm) (<see cref="IAdapterBlock.AttachAdapters"/>); T5's encoder and decoder blocks alike (the
/// decoder's cross-attention gets none). Trainable parameters: 2 L (2 C m + m + C), m = C / r (r the reduction
/// factor, rounded down), L the blocks (T5: encoder and decoder layers together).
/// </summary>
public static class Houlsby
{
    /// <summary>Attaches the adapters to every block of <paramref name="model"/> (LlmLab's GPT, BERT or T5), freezes the rest; draws come from the stream "houlsby.&lt;block path&gt;" of <paramref name="seed"/>.</summary>
    public static void Apply(Module model, HoulsbyConfig config, ulong seed)
    {
        var (width, blocks) = Blocks(model);
        int bottleneck = config.Validate().BottleneckSize(width);
        if (blocks.Any(b => b.Block.AttentionAdapter is not null)) throw new InvalidOperationException("bottleneck adapters: this model already has them");
        foreach (var (_, p) in model.NamedParameters()) p.RequiresGrad = false;
        foreach (var (path, block) in blocks)
            block.AttachAdapters(bottleneck, config.Activation, new RandomStream(seed, $"houlsby.{path}"));
    }

    /// <summary>The same for a Hugging Face model (GPT-2, Llama, BERT, T5).</summary>
    public static void Apply(HfModel model, HoulsbyConfig config, ulong seed) => Apply(Modules(model), config, seed);

    /// <summary>What the adapters train: 2 L (2 C m + m + C), m = C / r.</summary>
    public static long TrainableParameterCount(int layers, int width, HoulsbyConfig config)
    {
        long m = config.Validate().BottleneckSize(width);
        return 2L * layers * (2 * width * m + m + width);
    }

    internal static Module Modules(HfModel model) => model switch
    {
        DecoderModel decoder => decoder.Gpt,
        BertModel bert => bert.Bert,
        T5Model t5 => t5.T5,
        _ => throw new NotSupportedException($"bottleneck adapters: only decoder-only models, BERT and T5 are supported, not {model.Architecture}"),
    };

    /// <summary>The model's width and its blocks under their dotted paths ("h.0", "bert.encoder.layer.0", "encoder.block.0").</summary>
    internal static (int Width, IReadOnlyList<(string Path, IAdapterBlock Block)> Blocks) Blocks(Module model) => model switch
    {
        Gpt gpt => (gpt.Config.Width, [.. gpt.Blocks.Select((b, i) => ($"h.{i}", (IAdapterBlock)b))]),
        Bert bert => (bert.Config.Width, [.. bert.Layers.Select((b, i) => ($"bert.encoder.layer.{i}", (IAdapterBlock)b))]),
        T5 t5 => (t5.Config.Width, [.. t5.Encoder.Blocks.Select((b, i) => ($"encoder.block.{i}", (IAdapterBlock)b)),
            .. t5.Decoder.Blocks.Select((b, i) => ($"decoder.block.{i}", (IAdapterBlock)b))]),
        _ => throw new NotSupportedException($"bottleneck adapters: only LlmLab's GPT (GPT-2, Llama), BERT and T5 are supported, not {model.GetType().Name}"),
    };

    internal static ModelFamily Family(Module model) => model switch
    {
        Bert => ModelFamily.EncoderOnly,
        T5 => ModelFamily.EncoderDecoder,
        _ => ModelFamily.DecoderOnly,
    };
}
