using LlmLab.Tokenizers;

namespace LlmLab.Cli.Engine;

/// <summary>The tokenizer of a model folder (<see cref="HfTokenizer.Load"/>), for text prompts and decoded output.</summary>
internal static class TokenizerFolder
{
    public static ITokenizer Load(string folder, string why) =>
        HfTokenizer.HasFiles(folder)
            ? UserErrors.Run(() => HfTokenizer.Load(folder))
            : throw new CliException(
                $"{folder} has no tokenizer (vocab.json + merges.txt, vocab.txt, tokenizer.model or spiece.model), which {why}");
}
