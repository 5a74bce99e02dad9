namespace LlmLab.Tokenizers;

/// <summary>Loads the tokenizer saved beside a model, choosing the kind from its tokenizer.json.</summary>
public static class Tokenizer
{
    /// <summary>The file name written by <see cref="ITokenizer.Save"/>.</summary>
    public const string FileName = TokenizerFile.FileName;

    /// <summary>The tokenizer saved in <paramref name="folder"/>/tokenizer.json. A missing, corrupt or unknown file
    /// throws one <see cref="TokenizerFileException"/> naming the file. A folder without that file but with a Hugging
    /// Face tokenizer's files (what <see cref="HfTokenizer.Save"/> writes) gives <see cref="HfTokenizer.Load"/>'s.</summary>
    public static ITokenizer Load(string folder)
    {
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path) && HfTokenizer.HasFiles(folder)) return HfTokenizer.Load(folder);
        using var document = TokenizerFile.Read(path);
        var root = document.RootElement;
        string kind = TokenizerFile.String(root, "kind", path);
        return kind switch
        {
            CharTokenizer.Kind => CharTokenizer.FromJson(root, path),
            Gpt2Tokenizer.Kind => Gpt2Tokenizer.FromJson(root, path),
            _ => throw new TokenizerFileException(path, $"unknown tokenizer kind \"{kind}\" (expected \"{CharTokenizer.Kind}\" or \"{Gpt2Tokenizer.Kind}\")"),
        };
    }
}
