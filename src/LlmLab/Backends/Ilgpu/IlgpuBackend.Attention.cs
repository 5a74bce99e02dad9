using ILGPU;
using ILGPU.Runtime;
using LlmLab.Backends.Ilgpu.Kernels;
using LlmLab.Tensors;

namespace LlmLab.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <summary>Which attention kernel runs: the tiled one for head dims up to 64, the warp-per-row one above.</summary>
    internal enum AttentionKernelChoice { Auto, Tiles, Rows }

    public Tensor Attention(Tensor query, Tensor key, Tensor value, AttentionOptions? options = null) =>
        Attention(query, key, value, options, AttentionKernelChoice.Auto);

    /// <summary>Attention with the kernel chosen (tests run the row kernel on small head dims too).</summary>
    internal Tensor Attention(Tensor query, Tensor key, Tensor value, AttentionOptions? options, AttentionKernelChoice choice)
    {
        options ??= new AttentionOptions();
        var s = Check.Attention(this, query, key, value, options);
        if (s.HeadDim > AttentionRowKernel.MaxDim)
            throw new ArgumentException(
                $"attention on {Name} takes head dims up to {AttentionRowKernel.MaxDim}; query {query.Shape} has {s.HeadDim} (the cpu backend takes any)");
        bool tiles = choice switch
        {
            AttentionKernelChoice.Tiles when s.HeadDim > AttentionTileKernel.MaxDim =>
                throw new ArgumentException($"the tiled attention kernel takes head dims up to {AttentionTileKernel.MaxDim}; query {query.Shape}"),
            AttentionKernelChoice.Tiles => true,
            AttentionKernelChoice.Rows => false,
            _ => s.HeadDim <= AttentionTileKernel.MaxDim,
        };

        Tensor keys = key, values = value;
        if (options.Cache is { } cache)
        {
            AppendToCache(key, cache.Keys, cache, s);
            AppendToCache(value, cache.Values, cache, s);
            cache.Advance(s.NewKeys);
            keys = cache.Keys;
            values = cache.Values;
        }

        var output = NewF32(query.Shape);
        if (output.ElementCount == 0 || s.TotalKeys == 0) return output;
        // Absent mask or bias: the kernels never read them (HasMask/HasBias = 0), any view stands in.
        var mask = options.KeyPaddingMask is { } m ? View<int>(m) : View<float>(query).Cast<int>();
        var bias = options.Bias is { } b ? View<float>(b) : View<float>(query);
        if (tiles)
        {
            int queryTiles = (s.QueryLength + AttentionTileKernel.Tile - 1) / AttentionTileKernel.Tile;
            var kernel = Kernel("attention-tiles", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>,
                ArrayView<int>, ArrayView<float>, ArrayView<float>, AttentionParams>(AttentionTileKernel.Run));
            kernel(new KernelConfig(queryTiles * s.Batch * s.QueryHeads, AttentionTileKernel.Threads),
                View<float>(query), View<float>(keys), View<float>(values), mask, bias, View<float>(output), AttentionParams.From(s, queryTiles));
        }
        else
        {
            long rows = (long)s.Batch * s.QueryHeads * s.QueryLength;
            var kernel = Kernel("attention-rows", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>,
                ArrayView<int>, ArrayView<float>, ArrayView<float>, AttentionParams>(AttentionRowKernel.Run));
            kernel(new KernelConfig((int)((rows + AttentionRowKernel.RowsPerGroup - 1) / AttentionRowKernel.RowsPerGroup), AttentionRowKernel.Threads),
                View<float>(query), View<float>(keys), View<float>(values), mask, bias, View<float>(output), AttentionParams.From(s, 0));
        }
        return output;
    }

    private void AppendToCache(Tensor source, Tensor destination, KvCache cache, in AttentionShape s)
    {
        if (source.ElementCount == 0) return;
        var kernel = Kernel("attention-cache-append", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>(AttentionCacheKernel.Append));
        kernel((int)source.ElementCount, View<float>(source), View<float>(destination),
            s.NewKeys * s.HeadDim, cache.Capacity * s.HeadDim, cache.Length * s.HeadDim);
    }
}
