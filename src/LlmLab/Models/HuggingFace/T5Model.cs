using System.Text.Json.Nodes;
using LlmLab.Autograd;
using LlmLab.Generation;
using LlmLab.Nn;

namespace LlmLab.Models.HuggingFace;

/// <summary>
/// T5ForConditionalGeneration as LlmLab's <see cref="T5"/>. LlmLab's module names are transformers' own, so each
/// parameter is read and written under its dotted name, layouts unchanged ([out, in] linears, [buckets, heads]
/// relative biases). The token table is "shared.weight" (an older file's "encoder.embed_tokens.weight" is read if
/// "shared.weight" is missing); the tied copies encoder/decoder.embed_tokens and a tied lm_head are not written, as
/// save_pretrained does not write them; an untied head is "lm_head.weight".
/// </summary>
public sealed class T5Model(T5 t5, JsonObject config, JsonObject? generationConfig) : HfModel(t5.Backend, config, generationConfig)
{
    private const string SharedName = "shared.weight";

    public T5 T5 { get; } = t5;
    public override ModelFamily Family => ModelFamily.EncoderDecoder;
    public override Module Module => T5;
    public override int VocabularySize => T5.Config.VocabularySize;
    public override Embedding TokenEmbedding => T5.Shared;
    public override bool TiedHead => T5.Head is null;

    public override Variable Forward(Tape tape, ModelInputs inputs)
    {
        var decoderIds = inputs.DecoderInputIds
                         ?? throw new ArgumentException($"{Architecture} is an encoder-decoder model: it needs decoder_input_ids (the decoder start token, then the targets shifted right)");
        return T5.Forward(tape, inputs.InputIds, inputs.AttentionMask, decoderIds);
    }

    /// <summary>
    /// The decoder start token followed by the new tokens (transformers' generate for encoder-decoder models); the
    /// decoder keeps a KV cache unless the options turn it off.
    /// </summary>
    public override int[] Generate(IReadOnlyList<int> prompt, GenerationOptions options, Action<int>? onToken = null)
    {
        int start = DecoderStartTokenId ?? PadTokenId
                    ?? throw new InvalidDataException($"{Architecture}: neither decoder_start_token_id nor pad_token_id is set in config.json or generation_config.json");
        var stops = options.StopTokens.Concat(EosTokenIds).Distinct().ToArray();
        return T5Generator.Generate(T5, prompt, options, start, stops, onToken);
    }

    public override void ImportTensors(HfWeights weights)
    {
        foreach (var (name, parameter) in Parameters())
        {
            string stored = name == SharedName && !weights.Contains(SharedName) && weights.Contains("encoder.embed_tokens.weight")
                ? "encoder.embed_tokens.weight"
                : name;
            Assign(parameter, weights.Read(stored, parameter.Shape.ToArray()));
        }
    }

    public override IEnumerable<(string Name, float[] Values, int[] Shape)> ExportTensors()
    {
        foreach (var (name, parameter) in Parameters())
        {
            var (values, shape) = Values(parameter);
            yield return (name, values, shape);
        }
    }

    /// <summary>Every linear layer of the stacks ("encoder.block.0.layer.0.SelfAttention.q", "...DenseReluDense.wi", ...).</summary>
    public override IReadOnlyDictionary<string, IReadOnlyList<LinearSlice>> LinearModules =>
        T5.NamedModules()
            .Where(m => m.Module is Linear && !IsAdapter(m.Name)
                        && (m.Name.StartsWith("encoder.", StringComparison.Ordinal) || m.Name.StartsWith("decoder.", StringComparison.Ordinal)))
            .ToDictionary(m => m.Name, m => (IReadOnlyList<LinearSlice>)[new LinearSlice((Linear)m.Module, 0)]);

    // The checkpoint's parameters: the model's own, without LoRA or IA3 adapters attached to it (PEFT saves those apart).
    private IEnumerable<(string Name, Variable Parameter)> Parameters() =>
        T5.NamedParameters().Where(p => !IsAdapter(p.Name));

    private static bool IsAdapter(string name) =>
        name.Contains(".lora_A", StringComparison.Ordinal) || name.Contains(".lora_B", StringComparison.Ordinal) || name.EndsWith(".ia3_l", StringComparison.Ordinal);
}
