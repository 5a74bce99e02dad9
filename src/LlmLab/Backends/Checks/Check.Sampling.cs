using LlmLab.Tensors;

namespace LlmLab.Backends;

internal static partial class Check
{
    /// <summary>logits f32 [B, V] with V &gt;= 1; previous tokens, when given, i32 [B, L]; options HF would accept.</summary>
    public static void Sampling(IBackend backend, Tensor logits, SamplingOptions options, Tensor? previousTokens, string op)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(options);
        SameBackend(backend, logits, previousTokens);
        options.Validate();
        Logits(logits, op);
        if (previousTokens is null) return;
        if (previousTokens.DType != DType.I32)
            throw new ArgumentException($"{op}'s previous tokens must be i32 [batch, length], got {previousTokens.DType.Name()} of shape {previousTokens.Shape}");
        Rank(previousTokens, 2, $"{op}'s previous tokens", "[batch, length]");
        if (previousTokens.Shape[0] != logits.Shape[0])
            throw new ArgumentException(
                $"{op}: previous tokens {previousTokens.Shape} and logits {logits.Shape} have different batch sizes");
    }

    /// <summary>logits f32 [B, V] with V &gt;= 1.</summary>
    public static void Logits(Tensor logits, string op)
    {
        F32(logits, $"{op}'s logits");
        Rank(logits, 2, $"{op}'s logits", "[batch, vocab]");
        if (logits.Shape[1] == 0)
            throw new ArgumentException($"{op}'s logits {logits.Shape} have an empty vocabulary axis");
    }
}
