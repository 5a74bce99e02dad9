using System.Text;
using System.Text.Json;

namespace LlmLab.Cli.Tests;

/// <summary>
/// A copy of gpt2-tiny with a small GPT-2-style byte-level BPE tokenizer (vocab.json + merges.txt) of the model's 512
/// ids: the 256 byte symbols, 255 merges of lower-case letter pairs, and &lt;|endoftext|&gt; last. The fixtures carry
/// no tokenizer; this one makes text prompts and decoded output testable.
/// </summary>
internal static class TokenizedModelFolder
{
    public static string Create(TempFolder temp)
    {
        string folder = Path.Combine(temp.Path, "gpt2-tiny-with-tokenizer");
        Directory.CreateDirectory(folder);
        foreach (string file in new[] { "config.json", "generation_config.json", "model.safetensors" })
            File.Copy(Path.Combine(ModelFixtures.Folder("gpt2-tiny"), file), Path.Combine(folder, file));

        var symbols = ByteSymbols();
        var vocab = new Dictionary<string, int>();
        for (int b = 0; b < 256; b++) vocab[symbols[b].ToString()] = b;
        var merges = new StringBuilder("#version: 0.2\n");
        const string letters = "etaoinshrdlucmfw";
        foreach (char first in letters)
            foreach (char second in letters)
            {
                if (vocab.Count == 511) break;
                merges.Append(first).Append(' ').Append(second).Append('\n');
                vocab[$"{first}{second}"] = vocab.Count;
            }
        vocab["<|endoftext|>"] = 511;
        File.WriteAllText(Path.Combine(folder, "vocab.json"), JsonSerializer.Serialize(vocab));
        File.WriteAllText(Path.Combine(folder, "merges.txt"), merges.ToString());
        return folder;
    }

    // GPT-2's bytes_to_unicode: printable bytes stand for themselves, the rest for code points from 256 up.
    private static char[] ByteSymbols()
    {
        var result = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
            result[b] = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF ? (char)b : (char)next++;
        return result;
    }
}
