using System.Text.Json.Nodes;
using LlmLab.Autograd;
using LlmLab.Nn;

namespace LlmLab.Models.HuggingFace;

/// <summary>
/// BertForMaskedLM as LlmLab's <see cref="Models.Bert"/>, whose parameters carry transformers' names, so import and
/// export are name for name with no layout change. Import accepts the encoder's tensors with the "bert." prefix
/// (BertForMaskedLM, BertForPreTraining) or without it (a bare BertModel's names), and the legacy LayerNorm
/// names gamma/beta; the masked-LM head (cls.predictions.*) must be present, as it is what computes the logits.
/// Tensors LlmLab's BERT has no use for (the pooler, next-sentence head, position_ids buffer) are ignored, as
/// transformers ignores unexpected keys. Export writes what save_pretrained writes: "bert."-prefixed names in
/// sorted order, the tied decoder weight left out (it is the word embeddings) and its bias as cls.predictions.bias.
/// </summary>
public sealed class BertModel(Bert bert, JsonObject config, JsonObject? generationConfig) : HfModel(bert.Backend, config, generationConfig)
{
    private const string Prefix = "bert.";
    private const string HeadProbe = "cls.predictions.transform.dense.weight";

    public Bert Bert { get; } = bert;
    public override ModelFamily Family => ModelFamily.EncoderOnly;
    public override Module Module => Bert;
    public override int VocabularySize => Bert.Config.VocabularySize;
    public override Embedding TokenEmbedding => Bert.Embeddings.Word;
    public override bool TiedHead => Bert.Head.Decoder is null;

    public override Variable Forward(Tape tape, ModelInputs inputs)
    {
        if (inputs.DecoderInputIds is not null)
            throw new ArgumentException($"{Architecture} is encoder-only: it takes no decoder_input_ids");
        return Bert.Forward(tape, inputs.InputIds, inputs.AttentionMask);
    }

    public override void ImportTensors(HfWeights weights)
    {
        RequireHead(weights);
        // Every parameter's name is its transformers name (with the "bert." prefix the encoder may lack).
        string prefix = weights.Contains(Prefix + "embeddings.word_embeddings.weight") ? Prefix : "";
        foreach (var (name, parameter) in BaseParameters())
        {
            string stored = name.StartsWith(Prefix, StringComparison.Ordinal) ? prefix + name[Prefix.Length..] : name;
            Assign(parameter, weights.Read(Resolve(weights, stored), parameter.Shape.ToArray()));
        }
    }

    public override IEnumerable<(string Name, float[] Values, int[] Shape)> ExportTensors() =>
        BaseParameters()
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => (p.Name, p.Parameter.ToArray<float>(), p.Parameter.Shape.ToArray()));

    public override IReadOnlyDictionary<string, IReadOnlyList<LinearSlice>> LinearModules =>
        Bert.NamedModules()
            .Where(m => m.Module is Linear && !m.Name.Contains(".lora_", StringComparison.Ordinal))
            .ToDictionary(m => m.Name, m => (IReadOnlyList<LinearSlice>)[new LinearSlice((Linear)m.Module, 0)]);

    internal static void RequireHead(HfWeights weights)
    {
        if (!weights.Contains(HeadProbe))
            throw new InvalidDataException(
                $"{weights.Folder}: no masked-LM head ('{HeadProbe}' is missing). LlmLab's BERT is BertForMaskedLM; a bare BertModel " +
                "or a checkpoint with another head has nothing to compute token logits with");
    }

    // Every parameter but those of LoRA and IA3 adapters (which live in adapter files, not the model's).
    private IEnumerable<(string Name, Variable Parameter)> BaseParameters() =>
        Bert.NamedParameters().Where(p => !p.Name.Contains(".lora_", StringComparison.Ordinal) && !p.Name.EndsWith(".ia3_l", StringComparison.Ordinal));

    // The name as stored: older checkpoints call LayerNorm's weight and bias gamma and beta, and the decoder's bias
    // may be saved under its own name (it is the same tensor as cls.predictions.bias).
    internal static string Resolve(HfWeights weights, string name)
    {
        if (weights.Contains(name)) return name;
        string? legacy = name switch
        {
            _ when name.EndsWith("LayerNorm.weight", StringComparison.Ordinal) => name[..^"weight".Length] + "gamma",
            _ when name.EndsWith("LayerNorm.bias", StringComparison.Ordinal) => name[..^"bias".Length] + "beta",
            "cls.predictions.bias" => "cls.predictions.decoder.bias",
            _ => null,
        };
        return legacy is not null && weights.Contains(legacy) ? legacy : name;   // a missing name is reported by Read
    }
}
