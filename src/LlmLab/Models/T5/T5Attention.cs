using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Nn;
using LlmLab.Random;
using LlmLab.Tensors;

namespace LlmLab.Models;

/// <summary>
/// T5's multi-head attention (transformers' T5Attention): bias-free q, k, v [H d_kv, d_model] and o, scores
/// q kᵀ with no 1/sqrt(d) scaling, plus an additive position bias. Only the first layer of a stack owns
/// relative_attention_bias [buckets, heads]; <see cref="PositionBias"/> turns it into the [H, Tq, Tk] bias every
/// layer of that stack adds. Training tapes build attention from MatMul, Add, masked Softmax and MatMul, so the bias
/// table gets its gradient; inference tapes use the fused kernel (which also takes a KV cache).
/// </summary>
public sealed class T5Attention : Module
{
    public T5Attention(IBackend backend, T5Config config, bool relativeBias, bool bidirectional, RandomStream init)
    {
        Heads = config.Heads;
        HeadDim = config.HeadDim;
        Bidirectional = bidirectional;
        Buckets = config.RelativeBuckets;
        MaxDistance = config.RelativeMaxDistance;
        int width = config.Width, inner = config.InnerWidth;
        // transformers' T5 initialisation (initializer_factor 1).
        Query = Child("q", new Linear(backend, width, inner, bias: false, init, MathF.Pow((float)width * HeadDim, -0.5f)));
        Key = Child("k", new Linear(backend, width, inner, bias: false, init, MathF.Pow(width, -0.5f)));
        Value = Child("v", new Linear(backend, width, inner, bias: false, init, MathF.Pow(width, -0.5f)));
        Output = Child("o", new Linear(backend, inner, width, bias: false, init, MathF.Pow(inner, -0.5f)));
        if (relativeBias)
            RelativeAttentionBias = Child("relative_attention_bias", new Embedding(backend, Buckets, Heads, init, MathF.Pow(width, -0.5f)));
    }

    public int Heads { get; }
    public int HeadDim { get; }
    /// <summary>Whether the position buckets look both ways (the encoder) or only back (the decoder).</summary>
    public bool Bidirectional { get; }
    public int Buckets { get; }
    public int MaxDistance { get; }
    public Linear Query { get; }
    public Linear Key { get; }
    public Linear Value { get; }
    public Linear Output { get; }
    /// <summary>The [buckets, heads] table of learned biases; only the first layer of a stack has one.</summary>
    public Embedding? RelativeAttentionBias { get; }

    /// <summary>
    /// Adds <paramref name="bias"/> to <see cref="RelativeAttentionBias"/> at one nearby offset per head (head h:
    /// -1, +1, -2, +2, ... in turn, cycling): a locality prior at initialisation, so each head starts out favouring a
    /// neighbour. A T5 from transformers' initialisation (bias N(0, d_model^-1/2)) learns to move text between
    /// neighbours only slowly at small scale (docs/pretraining.md).
    /// </summary>
    public void AddLocalityPrior(float bias)
    {
        var table = BiasTable;
        var values = table.Weight.Data.ToArray<float>();
        for (int h = 0; h < Heads; h++)
        {
            int distance = h / 2 % MaxPriorDistance + 1, offset = h % 2 == 0 ? -distance : distance;
            values[RelativePositionBuckets.Bucket(offset, Bidirectional, Buckets, MaxDistance) * Heads + h] += bias;
        }
        var data = table.Weight.Data;
        data.Backend.Write(data.Storage, data.ByteOffset, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
    }

    private Embedding BiasTable => RelativeAttentionBias ?? throw new InvalidOperationException("this attention layer has no relative_attention_bias (only a stack's first layer does)");

    /// <summary>The farthest offset <see cref="AddLocalityPrior"/> gives a head before it cycles back to ±1.</summary>
    private const int MaxPriorDistance = 4;

    /// <summary>
    /// The position bias [H, Tq, Tk] for queries at positions queryOffset .. queryOffset + Tq - 1 and keys at
    /// 0 .. Tk - 1, looked up from <see cref="RelativeAttentionBias"/> (differentiable).
    /// </summary>
    public Variable PositionBias(Tape tape, int queries, int keys, int queryOffset = 0)
    {
        var table = BiasTable;
        var ids = tape.Keep(Tensor.From(tape.Backend, RelativePositionBuckets.Matrix(queries, keys, queryOffset, Bidirectional, Buckets, MaxDistance), queries * keys));
        var perPair = table.Forward(tape, ids);                                        // [Tq Tk, H]
        return tape.Reshape(tape.Transpose(perPair, 0, 1), Heads, queries, keys);      // [H, Tq, Tk]
    }

    /// <summary>
    /// Keys and values [B, H, n, d_kv] put ahead of the layer's own in every forward while set (prefix tuning's
    /// learned past, as transformers' T5 reads past_key_values): every query sees all n of them, causal masking and
    /// key padding apply to the tokens only. The position bias must cover the n extra keys (<see cref="T5Stack"/>
    /// makes it so). In the decoder's self-attention, generation puts the prefix in the KV cache instead.
    /// </summary>
    public (Variable Key, Variable Value)? Prefix { get; set; }

    /// <summary>Keys and values [B, H, Tk, d_kv] of <paramref name="source"/> [B, Tk, d_model] (x itself, or the encoder's output).</summary>
    public (Variable Key, Variable Value) KeysAndValues(Tape tape, Variable source)
    {
        int batch = source.Shape[0], time = source.Shape[1];
        return (SplitHeads(tape, Key.Forward(tape, source), batch, time), SplitHeads(tape, Value.Forward(tape, source), batch, time));
    }

    /// <summary>
    /// Attention of x [B, Tq, d_model] over <paramref name="keysAndValues"/>: + <paramref name="bias"/> [H, Tq, Tk]
    /// when given; <paramref name="causal"/> hides keys after each query (query i sits at position
    /// Tk - Tq + i); <paramref name="keyPadding"/> i32 [B, Tk] hides keys where it is 0. With a
    /// <paramref name="cache"/> (inference only) the keys and values are appended to it and the queries see all of it.
    /// </summary>
    public Variable Forward(Tape tape, Variable x, (Variable Key, Variable Value) keysAndValues, Variable? bias, bool causal,
        Tensor? keyPadding, KvCache? cache = null)
    {
        int batch = x.Shape[0], time = x.Shape[1];
        var q = SplitHeads(tape, Query.Forward(tape, x), batch, time);
        var (k, v) = keysAndValues;
        if (Prefix is var (prefixKey, prefixValue))
        {
            if (cache is not null) throw new ArgumentException("T5 attention: a prefix and a KV cache together are not supported (prefill the cache with the prefix)");
            k = tape.Concat(prefixKey, k, axis: 2);
            v = tape.Concat(prefixValue, v, axis: 2);
            if (keyPadding is not null) keyPadding = tape.Keep(PrefixedPadding(keyPadding, prefixKey.Shape[2]));
        }
        Variable o;
        if (!tape.RecordsGradients)
        {
            o = tape.Attention(q, k, v, new AttentionOptions { Scale = 1f, Causal = causal, KeyPaddingMask = keyPadding, Bias = bias?.Data, Cache = cache });
        }
        else
        {
            if (cache is not null) throw new ArgumentException("attention with a KV cache is for generation: use a tape made with recordGradients: false");
            var scores = tape.MatMul(q, k, transposeB: true);                         // [B, H, Tq, Tk], unscaled
            if (bias is not null) scores = tape.Add(scores, bias);
            var weights = tape.Softmax(scores, VisibleKeys(tape, batch, time, k.Shape[2], causal, keyPadding));
            o = tape.MatMul(weights, v);                                               // [B, H, Tq, d_kv]
        }
        var merged = tape.Reshape(tape.Transpose(o, 1, 2), batch, time, Heads * HeadDim);
        return Output.Forward(tape, merged);
    }

    // The softmax mask (non-zero = visible): null when every key is visible, [Tq, Tk] for causal attention alone,
    // [B, H, Tq, Tk] once padding differs between rows.
    private Tensor? VisibleKeys(Tape tape, int batch, int queries, int keys, bool causal, Tensor? keyPadding)
    {
        if (!causal && keyPadding is null) return null;
        int offset = keys - queries;
        if (keyPadding is null)
        {
            var m = new int[queries * keys];
            for (int i = 0; i < queries; i++)
                for (int j = 0; j <= Math.Min(offset + i, keys - 1); j++)
                    m[i * keys + j] = 1;
            return tape.Keep(Tensor.From(tape.Backend, m, queries, keys));
        }
        var padding = keyPadding.ToArray<int>();
        var mask = new int[(long)batch * Heads * queries * keys];
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < Heads; h++)
                for (int i = 0; i < queries; i++)
                {
                    long row = (((long)b * Heads + h) * queries + i) * keys;
                    for (int j = 0; j < keys; j++)
                        mask[row + j] = padding[b * keys + j] != 0 && (!causal || j <= offset + i) ? 1 : 0;
                }
        return tape.Keep(Tensor.From(tape.Backend, mask, batch, Heads, queries, keys));
    }

    // i32 [B, T] padding to [B, n + T] with the prefix's n keys visible.
    private static Tensor PrefixedPadding(Tensor padding, int n)
    {
        int batch = padding.Shape[0], time = padding.Shape[1];
        var source = padding.ToArray<int>();
        var joined = new int[batch * (n + time)];
        for (int b = 0; b < batch; b++)
        {
            Array.Fill(joined, 1, b * (n + time), n);
            Array.Copy(source, b * time, joined, b * (n + time) + n, time);
        }
        return Tensor.From(padding.Backend, joined, batch, n + time);
    }

    // [B, T, H d_kv] to [B, H, T, d_kv]
    private Variable SplitHeads(Tape tape, Variable y, int batch, int time) =>
        tape.Transpose(tape.Reshape(y, batch, time, Heads, HeadDim), 1, 2);
}
