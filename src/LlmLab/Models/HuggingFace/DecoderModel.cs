using System.Text.Json.Nodes;
using LlmLab.Autograd;
using LlmLab.Generation;
using LlmLab.Nn;

namespace LlmLab.Models.HuggingFace;

/// <summary>A decoder-only checkpoint (GPT-2, Llama) held as LlmLab's <see cref="Models.Gpt"/>.</summary>
public abstract class DecoderModel(Gpt gpt, JsonObject config, JsonObject? generationConfig)
    : HfModel(gpt.Backend, config, generationConfig)
{
    public Gpt Gpt { get; } = gpt;
    public override ModelFamily Family => ModelFamily.DecoderOnly;
    public override Module Module => Gpt;
    public override int VocabularySize => Gpt.Config.VocabularySize;
    public override Embedding TokenEmbedding => Gpt.TokenEmbedding;
    public override bool TiedHead => Gpt.Head is null;

    public override Variable Forward(Tape tape, ModelInputs inputs)
    {
        if (inputs.DecoderInputIds is not null)
            throw new ArgumentException($"{Architecture} is decoder-only: it takes no decoder_input_ids");
        if (inputs.AttentionMask is { } mask && AttentionMask.Read(mask, inputs.InputIds.Shape, Architecture).Contains(0))
            throw new ArgumentException($"{Architecture}: padded inputs (zeros in attention_mask) are not supported; run rows of different lengths separately");
        return Gpt.Forward(tape, inputs.InputIds);
    }

    public override int[] Generate(IReadOnlyList<int> prompt, GenerationOptions options, Action<int>? onToken = null)
    {
        var stops = options with { StopTokens = options.StopTokens.Concat(EosTokenIds).Distinct().ToArray() };
        var generated = Generator.Generate(Gpt, [prompt.ToArray()], stops, onToken is null ? null : (_, token) => onToken(token))[0];
        return prompt.Concat(generated).ToArray();
    }
}
