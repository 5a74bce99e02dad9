using ILGPU;
using ILGPU.Runtime;
using LlmLab.Backends.Ilgpu.Kernels;
using LlmLab.Tensors;

namespace LlmLab.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <summary>
    /// Which attention kernel runs: the tiled one for head dims up to 64, the wide tiled one up to 128, the
    /// warp-per-row one above (up to 256).
    /// </summary>
    internal enum AttentionKernelChoice { Auto, Tiles, PrefetchedTiles, WideTiles, Rows }

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
        if (choice == AttentionKernelChoice.Auto)
            choice = s.HeadDim <= AttentionTileKernel.MaxDim ? AttentionKernelChoice.Tiles
                : s.HeadDim <= AttentionWideTileKernel.MaxDim ? AttentionKernelChoice.WideTiles
                : AttentionKernelChoice.Rows;
        if ((choice is AttentionKernelChoice.Tiles or AttentionKernelChoice.PrefetchedTiles && s.HeadDim > AttentionTileKernel.MaxDim) ||
            (choice == AttentionKernelChoice.WideTiles && (s.HeadDim <= AttentionTileKernel.MaxDim || s.HeadDim > AttentionWideTileKernel.MaxDim)))
            throw new ArgumentException($"the {choice} attention kernel does not take query {query.Shape}");

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
        if (choice == AttentionKernelChoice.Rows)
        {
            long rows = (long)s.Batch * s.QueryHeads * s.QueryLength;
            var kernel = Kernel("attention-rows", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>,
                ArrayView<int>, ArrayView<float>, ArrayView<float>, AttentionParams>(AttentionRowKernel.Run));
            kernel(new KernelConfig((int)((rows + AttentionRowKernel.RowsPerGroup - 1) / AttentionRowKernel.RowsPerGroup), AttentionRowKernel.Threads),
                View<float>(query), View<float>(keys), View<float>(values), mask, bias, View<float>(output), AttentionParams.From(s, 0));
        }
        else
        {
            int queryTiles = (s.QueryLength + AttentionTileKernel.Tile - 1) / AttentionTileKernel.Tile;
            var kernel = choice switch
            {
                AttentionKernelChoice.Tiles => Kernel("attention-tiles", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>,
                    ArrayView<int>, ArrayView<float>, ArrayView<float>, AttentionParams>(AttentionTileKernel.Run)),
                AttentionKernelChoice.PrefetchedTiles => Kernel("attention-tiles-prefetched", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>,
                    ArrayView<int>, ArrayView<float>, ArrayView<float>, AttentionParams>(AttentionTileKernel.RunPrefetched)),
                _ => Kernel("attention-wide-tiles", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>,
                    ArrayView<int>, ArrayView<float>, ArrayView<float>, AttentionParams>(AttentionWideTileKernel.Run)),
            };
            kernel(new KernelConfig(queryTiles * s.Batch * s.QueryHeads, AttentionTileKernel.Threads),
                View<float>(query), View<float>(keys), View<float>(values), mask, bias, View<float>(output), AttentionParams.From(s, queryTiles));
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
