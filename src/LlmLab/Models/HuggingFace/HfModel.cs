using System.Text.Json.Nodes;
using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.IO;
using LlmLab.Nn;

namespace LlmLab.Models.HuggingFace;

/// <summary>
/// A Hugging Face checkpoint held as LlmLab modules: the architecture maps its tensor names onto LlmLab's layers on
/// load (<see cref="HfCheckpoint.Load"/>) and back on save (<see cref="Save"/>), so a model read from
/// transformers' files can be trained, adapted, quantised and written back for transformers to read.
/// </summary>
public abstract class HfModel
{
    protected HfModel(IBackend backend, JsonObject config, JsonObject? generationConfig)
    {
        Backend = backend;
        Config = config;
        GenerationConfig = generationConfig;
    }

    public IBackend Backend { get; }
    /// <summary>config.json as read; <see cref="Save"/> writes it back unchanged.</summary>
    public JsonObject Config { get; }
    /// <summary>generation_config.json when the folder had one.</summary>
    public JsonObject? GenerationConfig { get; }

    /// <summary>config.json's model_type: gpt2, llama, bert, t5.</summary>
    public string ModelType => Config["model_type"]?.GetValue<string>() ?? "";
    /// <summary>config.json's first architecture, e.g. GPT2LMHeadModel.</summary>
    public string Architecture => Config["architectures"]?.AsArray().FirstOrDefault()?.GetValue<string>() ?? ModelType;

    public abstract ModelFamily Family { get; }
    /// <summary>The LlmLab module tree holding every parameter (what a trainer or LoRA is given).</summary>
    public abstract Module Module { get; }
    public abstract int VocabularySize { get; }
    /// <summary>The token embedding table (wte, embed_tokens, word_embeddings, shared), and so a head tied to it.</summary>
    public abstract Embedding TokenEmbedding { get; }
    /// <summary>Whether the LM head is <see cref="TokenEmbedding"/> itself (tied) rather than a layer of its own.</summary>
    public abstract bool TiedHead { get; }

    /// <summary>
    /// Logits [batch, time, vocabulary] (the decoder's time for an encoder-decoder model). Inputs the family does not
    /// use must be null; ones it needs and lacks are an <see cref="ArgumentException"/>.
    /// </summary>
    public abstract Variable Forward(Tape tape, ModelInputs inputs);

    /// <summary>
    /// Every tensor under its Hugging Face name with its Hugging Face layout (Conv1D weights [in, out], fused
    /// projections joined), in the order transformers writes them. What <see cref="Save"/> writes.
    /// </summary>
    public abstract IEnumerable<(string Name, float[] Values, int[] Shape)> ExportTensors();

    /// <summary>
    /// The linear layers under their Hugging Face module path (the tensor name without ".weight", e.g.
    /// "transformer.h.0.attn.c_attn"): what PEFT's target_modules match and its adapter keys name.
    /// </summary>
    public abstract IReadOnlyDictionary<string, IReadOnlyList<LinearSlice>> LinearModules { get; }

    /// <summary>
    /// Copies the checkpoint's tensors into the modules (the inverse of <see cref="ExportTensors"/>), checking each
    /// shape against the config; a missing or misshapen tensor is an <see cref="InvalidDataException"/> naming it.
    /// </summary>
    public abstract void ImportTensors(HfWeights weights);

    /// <summary>
    /// Generates as transformers' generate does for one prompt: decoder-only models return the prompt followed by
    /// the new tokens, encoder-decoder models the decoder start token followed by them; generation stops after an
    /// end-of-sequence token (<see cref="EosTokenIds"/> and the options' stop tokens), which is kept.
    /// </summary>
    public virtual int[] Generate(IReadOnlyList<int> prompt, Generation.GenerationOptions options, Action<int>? onToken = null) =>
        throw new NotSupportedException($"{Architecture} is an encoder-only model: it scores tokens (forward) but does not generate");

    /// <summary>The tokens that end generation (generation_config.json, else config.json; a list or one id).</summary>
    public IReadOnlyList<int> EosTokenIds => TokenIds("eos_token_id");
    public int? PadTokenId => TokenIds("pad_token_id").FirstOrDefault(-1) is var id && id >= 0 ? id : null;
    /// <summary>The first decoder token of an encoder-decoder model.</summary>
    public int? DecoderStartTokenId => TokenIds("decoder_start_token_id").FirstOrDefault(-1) is var id && id >= 0 ? id : null;

    /// <summary>
    /// Writes config.json, generation_config.json (when there was one) and model.safetensors to
    /// <paramref name="folder"/>, each file atomically.
    /// </summary>
    public void Save(string folder)
    {
        Directory.CreateDirectory(folder);
        var options = new System.Text.Json.JsonSerializerOptions { WriteIndented = true };
        AtomicFile.WriteAllText(Path.Combine(folder, "config.json"), Config.ToJsonString(options) + "\n");
        if (GenerationConfig is not null)
            AtomicFile.WriteAllText(Path.Combine(folder, "generation_config.json"), GenerationConfig.ToJsonString(options) + "\n");
        var writer = new SafetensorsWriter();
        writer.Metadata["format"] = "pt";
        foreach (var (name, values, shape) in ExportTensors()) writer.Add(name, values, shape);
        writer.Save(Path.Combine(folder, HfWeights.SingleFile));
    }

    /// <summary>Writes a checkpoint's values into a parameter (sizes checked by the caller's shape check).</summary>
    protected static void Assign(Variable parameter, float[] values)
    {
        var data = parameter.Data;
        if (values.Length != data.ElementCount)
            throw new InvalidDataException($"'{parameter.Name}' needs {data.ElementCount} values ({data.Shape}), got {values.Length}");
        data.Backend.Write(data.Storage, data.ByteOffset, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
    }

    /// <summary>A parameter's values and shape, as <see cref="ExportTensors"/> yields them.</summary>
    protected static (float[] Values, int[] Shape) Values(Variable parameter) => (parameter.ToArray<float>(), parameter.Shape.ToArray());

    private IReadOnlyList<int> TokenIds(string key) => (GenerationConfig?[key] ?? Config[key]) switch
    {
        JsonValue v when v.TryGetValue(out int id) => [id],
        JsonArray a => a.OfType<JsonValue>().Select(v => v.TryGetValue(out int id) ? id : -1).Where(id => id >= 0).ToArray(),
        _ => [],
    };
}
