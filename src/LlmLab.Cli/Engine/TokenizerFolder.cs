using LlmLab.Tokenizers;

namespace LlmLab.Cli.Engine;

/// <summary>The tokenizer of a model folder, for text prompts and decoded output.</summary>
internal static class TokenizerFolder
{
    public static ITokenizer Load(string folder) =>
        throw new CliException($"{folder}: reading a Hugging Face tokenizer is not available yet; use --prompt-ids and --format json");
}
