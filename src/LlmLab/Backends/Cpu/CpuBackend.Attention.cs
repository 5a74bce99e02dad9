using System.Buffers;
using System.Runtime.Intrinsics;
using LlmLab.Backends.Cpu.Kernels;
using LlmLab.Tensors;

namespace LlmLab.Backends.Cpu;

public sealed partial class CpuBackend
{
    public Tensor Attention(Tensor query, Tensor key, Tensor value, AttentionOptions? options = null) =>
        Attention(query, key, value, options, Vector512.IsHardwareAccelerated);

    /// <summary>Attention with the vector width chosen (both widths give the same bits; tests check it).</summary>
    internal Tensor Attention(Tensor query, Tensor key, Tensor value, AttentionOptions? options, bool useVector512)
    {
        options ??= new AttentionOptions();
        var s = Check.Attention(this, query, key, value, options);
        Tensor keys = key, values = value;
        if (options.Cache is { } cache)
        {
            AppendToCache(cache, key, value, s);
            cache.Advance(s.NewKeys);
            keys = cache.Keys;
            values = cache.Values;
        }

        var output = NewF32(query.Shape);
        if (output.ElementCount == 0 || s.TotalKeys == 0) return output;
        var mask = options.KeyPaddingMask;
        var bias = options.Bias;
        float[]? panels = null;
        try
        {
            if (AttentionKernel.UsesPackedKeys(s))
            {
                panels = ArrayPool<float>.Shared.Rent((int)AttentionKernel.PanelLength(s));
                Parallel.For((long)s.Batch * s.KvHeads * AttentionKernel.PanelsPerHead(s), s.HeadDim * 64, (start, end) =>
                    AttentionKernel.Pack(s, Span<float>(keys), panels, start, end));
            }
            Parallel.For(AttentionKernel.WorkItems(s), AttentionKernel.CostPerItem(s), (start, end) =>
            {
                ReadOnlySpan<int> m = mask is null ? default : Span<int>(mask);
                ReadOnlySpan<float> b = bias is null ? default : Span<float>(bias);
                ReadOnlySpan<float> p = panels is null ? default : panels.AsSpan(0, (int)AttentionKernel.PanelLength(s));
                if (useVector512)
                    AttentionKernel.Run<AttentionLanes512, Vector512<float>>(s, Span<float>(query), Span<float>(keys), Span<float>(values), m, b, p, Span<float>(output), start, end);
                else
                    AttentionKernel.Run<AttentionLanes256, Vector256<float>>(s, Span<float>(query), Span<float>(keys), Span<float>(values), m, b, p, Span<float>(output), start, end);
            });
        }
        finally
        {
            if (panels is not null) ArrayPool<float>.Shared.Return(panels);
        }
        return output;
    }

    /// <summary>Writes k and v at positions [Length, Length + Tk) of every (batch, kv head) of the cache.</summary>
    private void AppendToCache(KvCache cache, Tensor key, Tensor value, in AttentionShape s)
    {
        int chunk = s.NewKeys * s.HeadDim, capacity = cache.Capacity * s.HeadDim, at = cache.Length * s.HeadDim;
        Span<float> k = Span<float>(key), v = Span<float>(value), ck = Span<float>(cache.Keys), cv = Span<float>(cache.Values);
        for (int head = 0; head < s.Batch * s.KvHeads; head++)
        {
            k.Slice(head * chunk, chunk).CopyTo(ck.Slice(head * capacity + at, chunk));
            v.Slice(head * chunk, chunk).CopyTo(cv.Slice(head * capacity + at, chunk));
        }
    }
}
