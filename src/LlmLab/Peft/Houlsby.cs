using LlmLab.Models;
using LlmLab.Models.HuggingFace;
using LlmLab.Nn;
using LlmLab.Random;

namespace LlmLab.Peft;

/// <summary>
/// Houlsby bottleneck adapters (Houlsby et al. 2019) on a decoder-only model (LlmLab's GPT, GPT-2, Llama): freeze
/// everything, then give every block an adapter h + up(act(down(h))) on the attention's output (after its output
/// projection) and one on the MLP's output, each before the residual add (<see cref="TransformerBlock.AttachAdapters"/>).
/// Trainable parameters: 2 L (2 C m + m + C), m = C / r (r the reduction factor, rounded down).
/// </summary>
public static class Houlsby
{
    /// <summary>Attaches the adapters to every block of <paramref name="gpt"/>, freezes the rest; draws come from the stream "houlsby.h.&lt;i&gt;" of <paramref name="seed"/>.</summary>
    public static void Apply(Gpt gpt, HoulsbyConfig config, ulong seed)
    {
        int bottleneck = config.Validate().BottleneckSize(gpt.Config.Width);
        if (gpt.Blocks.Any(b => b.AttentionAdapter is not null)) throw new InvalidOperationException("bottleneck adapters: this model already has them");
        foreach (var (_, p) in gpt.NamedParameters()) p.RequiresGrad = false;
        for (int i = 0; i < gpt.Blocks.Count; i++)
            gpt.Blocks[i].AttachAdapters(bottleneck, config.Activation, new RandomStream(seed, $"houlsby.h.{i}"));
    }

    /// <summary>The same for a Hugging Face decoder-only model (GPT-2, Llama).</summary>
    public static void Apply(HfModel model, HoulsbyConfig config, ulong seed) => Apply(Decoder(model), config, seed);

    /// <summary>What the adapters train: 2 L (2 C m + m + C), m = C / r.</summary>
    public static long TrainableParameterCount(int layers, int width, HoulsbyConfig config)
    {
        long m = config.Validate().BottleneckSize(width);
        return 2L * layers * (2 * width * m + m + width);
    }

    internal static Gpt Decoder(HfModel model) => model is DecoderModel decoder
        ? decoder.Gpt
        : throw new NotSupportedException($"bottleneck adapters: only decoder-only models are supported so far, not {model.Architecture}");

    internal static Gpt Decoder(Module model) => model as Gpt
        ?? throw new NotSupportedException($"bottleneck adapters: only decoder-only models (LlmLab's GPT) are supported so far, not {model.GetType().Name}");
}
