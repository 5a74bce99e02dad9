namespace LlmLab.Tokenizers;

/// <summary>A tokenizer.json that cannot be read: the message names the file and what is wrong with it.</summary>
public sealed class TokenizerFileException : Exception
{
    public TokenizerFileException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner) => FilePath = path;

    public string FilePath { get; }
}
