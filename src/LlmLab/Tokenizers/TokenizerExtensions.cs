namespace LlmLab.Tokenizers;

/// <summary>Special-token helpers that work the same way for every <see cref="ITokenizer"/>.</summary>
public static class TokenizerExtensions
{
    /// <summary>Encodes <paramref name="text"/> as plain text and adds BOS in front and/or EOS at the end. Asking
    /// for a token the tokenizer lacks throws rather than silently leaving it out.</summary>
    public static int[] EncodeWithSpecials(this ITokenizer tokenizer, string text, bool addBos, bool addEos)
    {
        int? bos = addBos ? Require(tokenizer, tokenizer.SpecialTokens.Bos, "BOS") : null;
        int? eos = addEos ? Require(tokenizer, tokenizer.SpecialTokens.Eos, "EOS") : null;
        int[] body = tokenizer.Encode(text);
        var ids = new int[body.Length + (bos is null ? 0 : 1) + (eos is null ? 0 : 1)];
        int at = 0;
        if (bos is int b) ids[at++] = b;
        body.CopyTo(ids, at);
        if (eos is int e) ids[^1] = e;
        return ids;
    }

    /// <summary><paramref name="ids"/> cut or right-padded with PAD to exactly <paramref name="length"/>.</summary>
    public static int[] PadTo(this ITokenizer tokenizer, ReadOnlySpan<int> ids, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        int pad = Require(tokenizer, tokenizer.SpecialTokens.Pad, "PAD");
        var padded = new int[length];
        int kept = Math.Min(length, ids.Length);
        ids[..kept].CopyTo(padded);
        padded.AsSpan(kept).Fill(pad);
        return padded;
    }

    private static int Require(ITokenizer tokenizer, int? id, string what) =>
        id ?? throw new InvalidOperationException($"the {tokenizer.Name} tokenizer has no {what} token");
}
