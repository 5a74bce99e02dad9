using LlmLab.Backends;
using LlmLab.Models;
using LlmLab.Models.HuggingFace;
using LlmLab.Tokenizers;

namespace LlmLab.Prompting;

/// <summary>
/// Opens the model folders LlmLab reads as <see cref="ILanguageModel"/>s: LlmLab's own GPT folders (config.json with
/// "model_type": "llmlab-gpt", model.safetensors and the tokenizer.json that <see cref="ITokenizer.Save"/> writes,
/// through <see cref="GptFiles"/> and <see cref="Tokenizers.Tokenizer"/>) and Hugging Face folders (gpt2, llama,
/// t5, quantised ones too, through <see cref="HfCheckpoint"/> and <see cref="HfTokenizer"/>). A problem is an
/// <see cref="InvalidDataException"/>, <see cref="TokenizerFileException"/> or <see cref="NotSupportedException"/>
/// naming the folder or file.
/// </summary>
public static class LanguageModels
{
    public static ILanguageModel Load(IBackend backend, string folder)
    {
        if (!Directory.Exists(folder)) throw new InvalidDataException($"{folder}: no such model folder");
        var (config, _) = HfCheckpoint.ReadConfigs(folder);
        string name = FolderName(folder);
        if (config.String("model_type", "") == GptFiles.ModelType)
        {
            var tokenizer = Tokenizer.Load(folder);
            var gpt = GptFiles.Load(backend, folder);
            if (tokenizer.VocabularySize > gpt.Config.VocabularySize)
                throw new InvalidDataException($"{folder}: the model has {gpt.Config.VocabularySize} tokens, its tokenizer {tokenizer.VocabularySize}");
            return new DecoderLanguageModel(gpt, tokenizer, name);
        }

        var model = HfCheckpoint.Load(backend, folder);
        if (model.Family == ModelFamily.EncoderOnly) throw EncoderOnly(model);
        if (!HfTokenizer.HasFiles(folder))
            throw new InvalidDataException($"{folder} has no tokenizer (vocab.json + merges.txt, vocab.txt, tokenizer.model or spiece.model), which prompting needs");
        return FromHf(model, HfTokenizer.Load(folder), name);
    }

    /// <summary>
    /// A loaded Hugging Face model with its tokenizer: a decoder-only one scores through its <see cref="Gpt"/>, T5
    /// through its <see cref="T5"/>. Generation ends at config.json's (or generation_config.json's) EOS tokens and
    /// the tokenizer's; an empty context is the tokenizer's BOS, else config.json's bos_token_id, else EOS.
    /// </summary>
    public static ILanguageModel FromHf(HfModel model, ITokenizer tokenizer, string name)
    {
        if (tokenizer.VocabularySize > model.VocabularySize)
            throw new InvalidDataException($"{name}: the model has {model.VocabularySize} tokens, its tokenizer {tokenizer.VocabularySize}");
        int[] eos = [.. model.EosTokenIds.Concat(tokenizer.SpecialTokens.Eos is { } e ? [e] : []).Distinct()];
        switch (model)
        {
            case DecoderModel decoder:
                int? prefix = tokenizer.SpecialTokens.Bos ?? model.Config.TryInt("bos_token_id") ?? (eos.Length > 0 ? eos[0] : null);
                return new DecoderLanguageModel(decoder.Gpt, tokenizer, name, eos, prefix);
            case T5Model t5:
                int start = model.DecoderStartTokenId ?? model.PadTokenId
                            ?? throw new InvalidDataException($"{name}: neither decoder_start_token_id nor pad_token_id is set in config.json or generation_config.json");
                int maxLength = model.Config.TryInt("n_positions") ?? model.Config.TryInt("max_position_embeddings") ?? Seq2SeqLanguageModel.DefaultMaxLength;
                return new Seq2SeqLanguageModel(t5.T5, tokenizer, name, start, eos, maxLength);
            default:
                throw EncoderOnly(model);
        }
    }

    private static NotSupportedException EncoderOnly(HfModel model) =>
        new($"{model.Architecture} is an encoder-only model: prompting needs one that continues text (gpt2, llama, t5 or an LlmLab GPT)");

    private static string FolderName(string folder) => Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));
}
