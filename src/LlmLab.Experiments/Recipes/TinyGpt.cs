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
