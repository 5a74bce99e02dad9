using System.Text;

namespace LlmLab.Tokenizers;

/// <summary>
/// GPT-2's bytes_to_unicode: every byte stands for one printable character, so a byte-level BPE token is a plain
/// string in vocab.json and merges.txt. Printable Latin-1 bytes stand for themselves; the others (controls, the
/// space, ...) move to U+0100 + n in byte order ('Ġ' is the space, 'Ċ' the newline).
/// </summary>
public static class ByteLevel
{
    private static readonly char[] ByteToChar = Build();

    /// <summary>The character that stands for <paramref name="value"/>.</summary>
    public static char Char(byte value) => ByteToChar[value];

    /// <summary>The token string of some bytes: one character a byte.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(bytes.Length);
        foreach (byte b in bytes) text.Append(ByteToChar[b]);
        return text.ToString();
    }

    /// <summary>The token string of the UTF-8 bytes of <paramref name="text"/>.</summary>
    public static string Encode(string text) => Encode(Encoding.UTF8.GetBytes(text));

    private static char[] Build()
    {
        var map = new char[256];
        int next = 0;
        for (int b = 0; b < 256; b++)
            map[b] = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF ? (char)b : (char)(256 + next++);
        return map;
    }
}
