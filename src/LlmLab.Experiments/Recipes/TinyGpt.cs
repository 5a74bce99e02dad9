using LlmLab.Backends;
using LlmLab.Models;
using LlmLab.Tokenizers;

namespace LlmLab.Experiments;

/// <summary>A character-level GPT with its tokenizer: what the recipes pass from one stage to the next.</summary>
public sealed record TinyGpt(Gpt Model, CharTokenizer Tokenizer)
{
    /// <summary>config.json, model.safetensors and tokenizer.json in <paramref name="folder"/>, each written atomically.</summary>
    public void Save(string folder)
    {
        GptFiles.Save(Model, folder);
        Tokenizer.Save(folder);
    }

    /// <summary>A model saved by <see cref="Save"/>; a folder without a character tokenizer is named in the error.</summary>
    public static TinyGpt Load(IBackend backend, string folder)
    {
        var tokenizer = LlmLab.Tokenizers.Tokenizer.Load(folder) as CharTokenizer
            ?? throw new InvalidDataException($"{folder}: the recipes need a character tokenizer (tokenizer.json of kind \"char\")");
        var model = GptFiles.Load(backend, folder);
        if (model.Config.VocabularySize != tokenizer.VocabularySize)
            throw new InvalidDataException($"{folder}: the model has {model.Config.VocabularySize} tokens, its tokenizer {tokenizer.VocabularySize}");
        return new TinyGpt(model, tokenizer);
    }
}
