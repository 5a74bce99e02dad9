using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Random;
using LlmLab.Tensors;

namespace LlmLab.Nn;

/// <summary>
/// Causal self-attention with separate q, k, v projections, grouped-query heads (fewer key/value heads than query
/// heads), optional rotary positions, and a KV cache for generation. x [B, T, C] to [B, T, C].
/// </summary>
public sealed class MultiHeadAttention : Module
{
    public MultiHeadAttention(IBackend backend, int dim, int heads, int kvHeads, bool bias, bool rotary, float ropeTheta,
        RandomStream init, float projectionStd)
    {
        if (dim % heads != 0) throw new ArgumentException($"width {dim} is not a multiple of the {heads} heads");
        if (heads % kvHeads != 0) throw new ArgumentException($"{heads} query heads cannot share {kvHeads} key/value heads evenly");
        Heads = heads;
        KvHeads = kvHeads;
        HeadDim = dim / heads;
        Rotary = rotary;
        RopeTheta = ropeTheta;
        Query = Child("q_proj", new Linear(backend, dim, dim, bias, init));
        Key = Child("k_proj", new Linear(backend, dim, kvHeads * HeadDim, bias, init));
        Value = Child("v_proj", new Linear(backend, dim, kvHeads * HeadDim, bias, init));
        Output = Child("o_proj", new Linear(backend, dim, dim, bias, init, projectionStd));
    }

    public int Heads { get; }
    public int KvHeads { get; }
    public int HeadDim { get; }
    public bool Rotary { get; }
    public float RopeTheta { get; }
    public Linear Query { get; }
    public Linear Key { get; }
    public Linear Value { get; }
    public Linear Output { get; }

    /// <summary>
    /// Keys and values [B, kv heads, n, D] put ahead of this layer's own in every forward while set (prefix tuning's
    /// learned past, as transformers reads past_key_values): every query sees all n of them, causal masking applies
    /// to the tokens only, and rotary positions are not applied to them. Training tapes only (no KV cache).
    /// </summary>
    public (Variable Key, Variable Value)? Prefix { get; set; }

    /// <summary>
    /// x [B, T, C]; positions i32 [T] are the absolute positions (for rotary embeddings); cache is this layer's KV
    /// cache during generation (inference tapes only).
    /// </summary>
    public Variable Forward(Tape tape, Variable x, Tensor positions, KvCache? cache = null)
    {
        int batch = x.Shape[0], time = x.Shape[1];
        var q = SplitHeads(tape, Query.Forward(tape, x), batch, time, Heads);
        var k = SplitHeads(tape, Key.Forward(tape, x), batch, time, KvHeads);
        var v = SplitHeads(tape, Value.Forward(tape, x), batch, time, KvHeads);
        if (Rotary)
        {
            q = tape.Rope(q, positions, RopeTheta);
            k = tape.Rope(k, positions, RopeTheta);
        }
        if (Prefix is var (prefixKey, prefixValue))
        {
            if (cache is not null) throw new ArgumentException("attention: a prefix and a KV cache together are not supported");
            k = tape.Concat(prefixKey, k, axis: 2);
            v = tape.Concat(prefixValue, v, axis: 2);
        }
        // With a prefix there are more keys than queries: the queries are the last positions, so each sees the prefix.
        var o = tape.Attention(q, k, v, new AttentionOptions { Causal = true, Cache = cache });
        var merged = tape.Reshape(tape.Transpose(o, 1, 2), batch, time, Heads * HeadDim);
        return Output.Forward(tape, merged);
    }

    // [B, T, H * D] to [B, H, T, D]
    private Variable SplitHeads(Tape tape, Variable y, int batch, int time, int heads) =>
        tape.Transpose(tape.Reshape(y, batch, time, heads, HeadDim), 1, 2);
}
