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
    internal enum AttentionKernelChoice { Auto, Tiles, WideTiles, Rows }

    /// <summary>Partial outputs of key splits, kept between calls (grown when a call needs more).</summary>
    private MemoryBuffer1D<float, Stride1D.Dense>? _attentionPartial;

    public Tensor Attention(Tensor query, Tensor key, Tensor value, AttentionOptions? options = null) =>
        Attention(query, key, value, options, AttentionKernelChoice.Auto);

    /// <summary>
    /// Attention with the kernel chosen (tests run the row kernel on small head dims too) and, for the tiled
    /// kernels, the number of key splits (null: chosen from the grid size).
    /// </summary>
    internal Tensor Attention(Tensor query, Tensor key, Tensor value, AttentionOptions? options, AttentionKernelChoice choice, int? keySplits = null)
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
        if ((choice == AttentionKernelChoice.Tiles && s.HeadDim > AttentionTileKernel.MaxDim) ||
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

        var output = s.TotalKeys == 0 ? NewF32(query.Shape) : Output(query.Shape); // no keys: zeros, as on the cpu
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
            int groups = queryTiles * s.Batch * s.QueryHeads;
            int keyTiles = (s.TotalKeys + AttentionTileKernel.Tile - 1) / AttentionTileKernel.Tile;
            int splits = Math.Clamp(keySplits ?? KeySplits(groups, keyTiles), 1, keyTiles);
            int tilesPerSplit = (keyTiles + splits - 1) / splits;
            splits = (keyTiles + tilesPerSplit - 1) / tilesPerSplit;
            long rows = (long)s.Batch * s.QueryHeads * s.QueryLength;
            var partial = splits > 1 ? AttentionPartial(splits * rows * (s.HeadDim + 2)) : View<float>(output);
            var kernel = choice == AttentionKernelChoice.Tiles
                ? Kernel("attention-tiles", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>,
                    ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AttentionParams>(AttentionTileKernel.Run))
                : Kernel("attention-wide-tiles", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>,
                    ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AttentionParams>(AttentionWideTileKernel.Run));
            kernel(new KernelConfig(groups * splits, AttentionTileKernel.Threads),
                View<float>(query), View<float>(keys), View<float>(values), mask, bias, View<float>(output), partial,
                AttentionParams.From(s, queryTiles, splits, tilesPerSplit));
            if (splits > 1)
            {
                var combine = Kernel("attention-combine", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>(AttentionCombineKernel.Combine));
                combine((int)output.ElementCount, partial, View<float>(output), (int)rows, s.HeadDim, splits);
            }
        }
        return output;
    }

    /// <summary>
    /// Key splits for a grid of <paramref name="groups"/> tiles: none when the grid already fills the GPU twice over;
    /// else enough to fill it, keeping at least two key tiles per split (decode: 1 query tile per head).
    /// </summary>
    private int KeySplits(int groups, int keyTiles)
    {
        int target = 2 * Math.Max(1, Accelerator.NumMultiprocessors);
        if (groups >= target || keyTiles < 4) return 1;
        return Math.Min((target + groups - 1) / groups, keyTiles / 2);
    }

    private ArrayView<float> AttentionPartial(long length)
    {
        if (_attentionPartial is null || _attentionPartial.Length < length)
        {
            Stream.Synchronize(); // a kernel in flight may still read the old buffer
            _attentionPartial?.Dispose();
            _attentionPartial = Accelerator.Allocate1D<float>(length);
        }
        return _attentionPartial.View.SubView(0, length);
    }

    private void AppendToCache(Tensor source, Tensor destination, KvCache cache, in AttentionShape s)
    {
        if (source.ElementCount == 0) return;
        var kernel = Kernel("attention-cache-append", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>(AttentionCacheKernel.Append));
        kernel((int)source.ElementCount, View<float>(source), View<float>(destination),
            s.NewKeys * s.HeadDim, cache.Capacity * s.HeadDim, cache.Length * s.HeadDim);
    }
}
