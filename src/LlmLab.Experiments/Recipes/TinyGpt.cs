using LlmLab.Backends;
using LlmLab.Models;
using LlmLab.Tokenizers;

namespace LlmLab.Experiments;

/// <summary>A GPT with its tokenizer (characters, or byte-level BPE learned from the corpus): what the recipes pass from one stage to the next.</summary>
public sealed record TinyGpt(Gpt Model, ITokenizer Tokenizer)
{
    /// <summary>config.json, model.safetensors and the tokenizer's files in <paramref name="folder"/>, each written atomically.</summary>
    public void Save(string folder)
    {
        GptFiles.Save(Model, folder);
        Tokenizer.Save(folder);
    }

    /// <summary>A new model with the same configuration, weights and tokenizer (what a fine-tuning trains, leaving this one as it was).</summary>
    public TinyGpt Copy()
    {
        var gpt = new Gpt(Model.Backend, Model.Config, seed: 0);
        var weights = Model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Data);
        foreach (var (name, p) in gpt.NamedParameters())
        {
            var from = weights.TryGetValue(name, out var w) ? w : throw new InvalidOperationException($"the model has no '{name}' (does it still carry LoRA adapters?)");
            gpt.Backend.Copy(from.Storage, from.ByteOffset, p.Data.Storage, p.Data.ByteOffset, p.Data.ByteLength);
        }
        return new TinyGpt(gpt, Tokenizer);
    }

    /// <summary>A model saved by <see cref="Save"/>; a tokenizer that does not match the model is named in the error.</summary>
    public static TinyGpt Load(IBackend backend, string folder)
    {
        var tokenizer = LlmLab.Tokenizers.Tokenizer.Load(folder);
        var model = GptFiles.Load(backend, folder);
        if (model.Config.VocabularySize != tokenizer.VocabularySize)
            throw new InvalidDataException($"{folder}: the model has {model.Config.VocabularySize} tokens, its tokenizer {tokenizer.VocabularySize}");
        return new TinyGpt(model, tokenizer);
    }
}
