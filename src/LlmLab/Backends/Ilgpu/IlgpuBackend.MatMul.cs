using ILGPU;
using ILGPU.Runtime;
using LlmLab.Backends.Ilgpu.Kernels;
using LlmLab.Tensors;

namespace LlmLab.Backends.Ilgpu;

/// <summary>The matmul kernels a launch can use (<see cref="IlgpuBackend.LaunchMatMul"/>); Auto picks by shape.</summary>
internal enum MatMulKernel
{
    Auto,
    /// <summary>The first kernel: 128 x 128 tiles, 8-deep, scalar loads (<see cref="MatMulKernels"/>).</summary>
    Legacy,
    /// <summary><see cref="MatMulTileKernel"/> with <see cref="Tile128x128x16"/>.</summary>
    Tile128,
    /// <summary><see cref="MatMulTileKernel"/> with <see cref="Tile128x128x16Loop2"/>.</summary>
    Tile128Loop2,
    /// <summary><see cref="MatMulTileKernel"/> with <see cref="Tile128x128x8"/>.</summary>
    Tile128K8,
    /// <summary><see cref="MatMulTileKernel"/> with <see cref="Tile128x64x8"/>.</summary>
    Tile128x64,
    /// <summary><see cref="MatMulTileKernel"/> with <see cref="Tile64x64x8"/>.</summary>
    Tile64,
    /// <summary><see cref="MatMulSkinnyKernel"/>: few rows, B along k.</summary>
    Skinny,
}

public sealed partial class IlgpuBackend
{
    /// <summary>Forces one matmul kernel for every launch of the process (auto, legacy, tile128, tile128loop2,
    /// tile128k8, tile128x64, tile64, skinny), so a GPU session can time each; unset or auto: chosen by shape.</summary>
    public const string MatMulKernelVariable = "LLMLAB_MATMUL_KERNEL";

    private static readonly Dictionary<string, MatMulKernel> MatMulKernelNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["auto"] = MatMulKernel.Auto,
        ["legacy"] = MatMulKernel.Legacy,
        ["tile128"] = MatMulKernel.Tile128,
        ["tile128loop2"] = MatMulKernel.Tile128Loop2,
        ["tile128k8"] = MatMulKernel.Tile128K8,
        ["tile128x64"] = MatMulKernel.Tile128x64,
        ["tile64"] = MatMulKernel.Tile64,
        ["skinny"] = MatMulKernel.Skinny,
    };

    private static readonly Lazy<MatMulKernel> MatMulKernelFromEnvironment =
        new(() => ParseMatMulKernel(Environment.GetEnvironmentVariable(MatMulKernelVariable)));

    /// <summary>The kernel a <see cref="MatMulKernelVariable"/> value names (blank: auto); an unknown name throws.</summary>
    internal static MatMulKernel ParseMatMulKernel(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return MatMulKernel.Auto;
        return MatMulKernelNames.TryGetValue(name.Trim(), out var kernel)
            ? kernel
            : throw new ArgumentException(
                $"{MatMulKernelVariable}='{name}' names no matmul kernel; use one of {string.Join(", ", MatMulKernelNames.Keys)}");
    }

    /// <summary>A kernel forced for the current flow of execution only (tests and timings), over the environment.</summary>
    private static readonly AsyncLocal<MatMulKernel?> ForcedMatMulKernel = new();

    /// <summary>A split-K factor forced for the current flow of execution only (tests: any shape takes the split path).</summary>
    private static readonly AsyncLocal<int?> ForcedMatMulSplits = new();

    /// <summary>The name of each kernel, as <see cref="MatMulKernelVariable"/> takes it.</summary>
    internal static string MatMulKernelName(MatMulKernel kernel) => MatMulKernelNames.First(e => e.Value == kernel).Key;

    /// <summary>Every matmul launch on this thread's flow uses <paramref name="kernel"/> until the scope is disposed.</summary>
    internal static IDisposable ForceMatMulKernel(MatMulKernel kernel)
    {
        var previous = ForcedMatMulKernel.Value;
        ForcedMatMulKernel.Value = kernel;
        return new Restore(() => ForcedMatMulKernel.Value = previous);
    }

    /// <summary>Every tile-kernel matmul on this thread's flow splits k this many ways (at most one per 16 k) until disposed.</summary>
    internal static IDisposable ForceMatMulSplits(int splits)
    {
        var previous = ForcedMatMulSplits.Value;
        ForcedMatMulSplits.Value = splits;
        return new Restore(() => ForcedMatMulSplits.Value = previous);
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }

    public Tensor MatMul(Tensor a, Tensor b, bool transposeA = false, bool transposeB = false, Tensor? bias = null)
    {
        Check.SameBackend(this, a, b, bias);
        var d = Check.MatMul(a, b, transposeA, transposeB, bias);
        var c = Output(d.Output);
        if (c.ElementCount == 0) return c;
        var args = new MatMulArgs
        {
            M = d.M,
            N = d.N,
            K1 = d.K,
            A1Row = transposeA ? 1 : d.K,
            A1K = transposeA ? d.M : 1,
            A1Batch = (long)d.M * d.K,
            B1K = transposeB ? 1 : d.N,
            B1Col = transposeB ? d.K : 1,
            B1Batch = d.SharedB ? 0 : (long)d.K * d.N,
            Scale1 = 1f,
            CBatch = (long)d.M * d.N,
            HasBias = bias is null ? 0 : 1,
        };
        var av = View<float>(a);
        var bv = View<float>(b);
        LaunchMatMul(d.Batch, args, av, bv, av, bv, bias is null ? View<float>(c) : View<float>(bias), View<float>(c));
        return c;
    }

    /// <summary>
    /// C = A B per batch (segment 2, scales, bias and accumulation as <paramref name="args"/> say) with the kernel the
    /// shape calls for, unless one is forced: few rows with B along k (decoding) take the skinny kernel; products with
    /// at least two 128 x 128 tiles per multiprocessor take the big tile (128 x 64 when N is 64 or less); smaller
    /// outputs take the big tile too when k is long enough to split (<see cref="ChooseSplits"/>), else 64 x 64 tiles,
    /// four times as many groups.
    /// </summary>
    internal void LaunchMatMul(int batch, MatMulArgs args, ArrayView<float> a1, ArrayView<float> b1, ArrayView<float> a2,
        ArrayView<float> b2, ArrayView<float> bias, ArrayView<float> c, QuantizedB? quantized = null)
    {
        var kernel = ChooseMatMulKernel(batch, args, quantized is not null);
        int splits = ChooseSplits(kernel, batch, args);
        args.Splits = 1;
        args.KChunk = args.K1;
        if (splits > 1)
        {
            LaunchSplitK(kernel, splits, batch, args, a1, b1, a2, b2, bias, c, quantized);
            return;
        }
        args.Vector = VectorFlags(args, a1, b1, a2, b2, c, quantized);
        Launch(kernel, batch, args, a1, b1, a2, b2, bias, c, quantized);
    }

    /// <summary>
    /// A quantised weight W [N, K] as the tile kernels' B (W^T): its <see cref="MatMulWeights"/> format, bytes and
    /// int8 scales (MatMulArgs.WeightRowBytes and ScaleMode say how to read them).
    /// </summary>
    internal readonly record struct QuantizedB(int Format, ArrayView<byte> Bytes, ArrayView<float> Scales);

    /// <summary>
    /// Split-K: grid z runs over batch x splits, each split multiplying its own run of k into a workspace slice, then
    /// <see cref="MatMulSplitKernel"/> adds the slices in order, with the bias and accumulation. Chunks are whole
    /// 16-deep k steps, so every split's loads stay 16-byte aligned.
    /// </summary>
    private void LaunchSplitK(MatMulKernel kernel, int splits, int batch, MatMulArgs args, ArrayView<float> a1, ArrayView<float> b1,
        ArrayView<float> a2, ArrayView<float> b2, ArrayView<float> bias, ArrayView<float> c, QuantizedB? quantized)
    {
        int chunk = (args.K1 + splits - 1) / splits;
        chunk = (chunk + SplitStep - 1) / SplitStep * SplitStep;
        splits = (args.K1 + chunk - 1) / chunk;
        using var workspace = Output(new Shape(batch * splits, args.M, args.N));
        var partials = View<float>(workspace);
        var tile = args with { Splits = splits, KChunk = chunk, HasBias = 0, Accumulate = 0, CBatch = (long)args.M * args.N };
        tile.Vector = VectorFlags(tile, a1, b1, a2, b2, partials, quantized);
        Launch(kernel, batch * splits, tile, a1, b1, a2, b2, bias, partials, quantized);
        var reduce = Kernel("matmul split-k reduce", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, MatMulArgs>(MatMulSplitKernel.Reduce));
        reduce(batch * args.M * args.N, partials, bias, c, args with { Splits = splits });
    }

    /// <summary>One kernel over <paramref name="grids"/> grid z slices (batches, or batches x splits).</summary>
    private void Launch(MatMulKernel kernel, int grids, MatMulArgs args, ArrayView<float> a1, ArrayView<float> b1,
        ArrayView<float> a2, ArrayView<float> b2, ArrayView<float> bias, ArrayView<float> c, QuantizedB? quantized)
    {
        switch (kernel)
        {
            case MatMulKernel.Legacy:
            {
                var legacy = Kernel("matmul legacy", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>,
                    ArrayView<float>, ArrayView<float>, ArrayView<float>, MatMulArgs>(MatMulKernels.MatMul));
                LaunchMatMulGrid(Tiles(args.N, MatMulKernels.Tile), Tiles(args.M, MatMulKernels.Tile), grids, MatMulKernels.Threads, args,
                    (config, p) => legacy(config, a1, b1, a2, b2, bias, c, p));
                break;
            }
            case MatMulKernel.Skinny:
            {
                var skinny = Kernel("matmul skinny", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>,
                    ArrayView<float>, ArrayView<float>, ArrayView<float>, MatMulArgs>(MatMulSkinnyKernel.MatMul));
                LaunchMatMulGrid(Tiles(args.M, MatMulSkinnyKernel.Rows), Tiles(args.N, MatMulSkinnyKernel.Warps * MatMulSkinnyKernel.ColsPerWarp),
                    grids, MatMulSkinnyKernel.Threads, args, (config, p) => skinny(config, a1, b1, a2, b2, bias, c, p));
                break;
            }
            case MatMulKernel.Tile128Loop2:
                LaunchTile<Tile128x128x16Loop2>("tile128loop2", grids, args, a1, b1, a2, b2, bias, c, quantized);
                break;
            case MatMulKernel.Tile128K8:
                LaunchTile<Tile128x128x8>("tile128k8", grids, args, a1, b1, a2, b2, bias, c, quantized);
                break;
            case MatMulKernel.Tile128x64:
                LaunchTile<Tile128x64x8>("tile128x64", grids, args, a1, b1, a2, b2, bias, c, quantized);
                break;
            case MatMulKernel.Tile64:
                LaunchTile<Tile64x64x8>("tile64", grids, args, a1, b1, a2, b2, bias, c, quantized);
                break;
            default:
                LaunchTile<Tile128x128x16>("tile128", grids, args, a1, b1, a2, b2, bias, c, quantized);
                break;
        }
    }

    /// <summary>The kernel a launch uses: forced for this flow, else named by the environment, else by shape.</summary>
    internal MatMulKernel ChooseMatMulKernel(int batch, MatMulArgs args, bool quantized = false)
    {
        // Only the tile kernels read quantised weights: a forced legacy or skinny kernel leaves those to the shape.
        var kernel = ForcedMatMulKernel.Value ?? MatMulKernelFromEnvironment.Value;
        if (kernel != MatMulKernel.Auto && !(quantized && kernel is MatMulKernel.Legacy or MatMulKernel.Skinny)) return kernel;
        bool bAlongK = args.B1K == 1 && (args.K2 == 0 || args.B2K == 1);
        if (args.M <= 16 && bAlongK && !quantized) return MatMulKernel.Skinny;
        long bigTiles = (long)Tiles(args.M, 128) * Tiles(args.N, 128) * batch;
        var big = args.N <= 64 ? MatMulKernel.Tile128x64 : MatMulKernel.Tile128;
        int splits = ForcedMatMulSplits.Value ?? SplitsToFill(bigTiles, batch, args);
        if (bigTiles >= GroupTarget || splits > 1) return big;
        return MatMulKernel.Tile64;
    }

    /// <summary>Split-K factor of a launch: forced for this flow, else enough splits of segment 1's k to give the tile
    /// kernels <see cref="GroupTarget"/> groups; 1 (none) for the other kernels and for LoRA's two segments.</summary>
    internal int ChooseSplits(MatMulKernel kernel, int batch, MatMulArgs args)
    {
        if (kernel is MatMulKernel.Legacy or MatMulKernel.Skinny || args.K2 > 0) return 1;
        if (ForcedMatMulSplits.Value is { } forced) return Math.Clamp(forced, 1, Math.Max(1, Tiles(args.K1, SplitStep)));
        var (rows, cols) = kernel switch
        {
            MatMulKernel.Tile64 => (64, 64),
            MatMulKernel.Tile128x64 => (128, 64),
            _ => (128, 128),
        };
        return SplitsToFill((long)Tiles(args.M, rows) * Tiles(args.N, cols) * batch, batch, args);
    }

    /// <summary>Groups a launch should have to keep every multiprocessor busy: two big tiles each (their registers
    /// allow two groups of 256 threads).</summary>
    private int GroupTarget => 2 * Math.Max(1, Accelerator.NumMultiprocessors);

    /// <summary>A split is at least this much k (32 steps of 16): shorter, the partial sums' pass costs more than it saves.</summary>
    private const int MinSplitK = 512;

    /// <summary>Split chunks are multiples of the deepest tile's k step.</summary>
    private const int SplitStep = 16;

    private int SplitsToFill(long groups, int batch, MatMulArgs args)
    {
        if (args.K2 > 0 || groups >= GroupTarget) return 1;
        long splits = Math.Min((GroupTarget + groups - 1) / groups, args.K1 / MinSplitK);
        // The workspace (splits x the output) stays small, and batch x splits within one grid's z.
        long workspace = splits * batch * (long)args.M * args.N;
        return splits < 2 || batch * splits > 65535 || workspace > int.MaxValue ? 1 : (int)splits;
    }

    /// <summary>A tile kernel of shape T over f32 operands, or with B a quantised weight (one kernel per format).</summary>
    private void LaunchTile<T>(string name, int grids, MatMulArgs args, ArrayView<float> a1, ArrayView<float> b1,
        ArrayView<float> a2, ArrayView<float> b2, ArrayView<float> bias, ArrayView<float> c, QuantizedB? quantized) where T : struct, IMatMulTile
    {
        // Without a quantised weight the byte and scale arguments are never read: any view stands in.
        var q = quantized ?? new QuantizedB(MatMulWeights.F32, c.Cast<byte>(), c);
        switch (q.Format)
        {
            case MatMulWeights.Int8:
                LaunchTile<T, Int8Weights>(name + " int8", grids, args, a1, b1, a2, b2, bias, c, q);
                break;
            case MatMulWeights.Q8_0:
                LaunchTile<T, Q8_0Weights>(name + " q8_0", grids, args, a1, b1, a2, b2, bias, c, q);
                break;
            case MatMulWeights.Q4_0:
                LaunchTile<T, Q4_0Weights>(name + " q4_0", grids, args, a1, b1, a2, b2, bias, c, q);
                break;
            default:
                LaunchTile<T, F32Weights>(name, grids, args, a1, b1, a2, b2, bias, c, q);
                break;
        }
    }

    private void LaunchTile<T, TW>(string name, int grids, MatMulArgs args, ArrayView<float> a1, ArrayView<float> b1,
        ArrayView<float> a2, ArrayView<float> b2, ArrayView<float> bias, ArrayView<float> c, QuantizedB q)
        where T : struct, IMatMulTile where TW : struct, IMatMulWeights
    {
        var kernel = Kernel("matmul " + name, acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<byte>, ArrayView<float>, MatMulArgs>(MatMulTileKernel.MatMul<T, TW>));
        LaunchMatMulGrid(Tiles(args.N, default(T).Cols), Tiles(args.M, default(T).Rows), grids, MatMulTileKernel.Threads<T>(), args,
            (config, p) => kernel(config, a1, b1, a2, b2, bias, c, q.Bytes, q.Scales, p));
    }

    /// <summary>One launch per 65535 grid z slices (a grid's z limit), grid x by y per slice.</summary>
    private static void LaunchMatMulGrid(int gridX, int gridY, int grids, int threads, MatMulArgs args, Action<KernelConfig, MatMulArgs> launch)
    {
        const int MaxGridZ = 65535;
        for (int start = 0; start < grids; start += MaxGridZ)
        {
            var grid = new Index3D(gridX, gridY, Math.Min(MaxGridZ, grids - start));
            launch(new KernelConfig(grid, new Index3D(threads, 1, 1)), args with { BatchStart = start });
        }
    }

    private static int Tiles(int size, int tile) => (size + tile - 1) / tile;

    /// <summary>The <see cref="MatMulArgs.Vector"/> bits: which operands may move as aligned Float4s.</summary>
    internal static int VectorFlags(MatMulArgs p, ArrayView<float> a1, ArrayView<float> b1, ArrayView<float> a2,
        ArrayView<float> b2, ArrayView<float> c, QuantizedB? quantized = null)
    {
        int flags = 0;
        if (Vectorizable(DeviceAddress(a1), p.A1Row, p.A1K, p.A1Batch)) flags |= MatMulArgs.VectorA1;
        if (quantized is { } q
                ? q.Format == MatMulWeights.Int8 && p.WeightRowBytes % 4 == 0 && DeviceAddress(q.Bytes) % 4 == 0 // 4 int8s as one int
                : Vectorizable(DeviceAddress(b1), p.B1Col, p.B1K, p.B1Batch))
            flags |= MatMulArgs.VectorB1;
        if (p.K2 > 0 && Vectorizable(DeviceAddress(a2), p.A2Row, p.A2K, p.A2Batch)) flags |= MatMulArgs.VectorA2;
        if (p.K2 > 0 && Vectorizable(DeviceAddress(b2), p.B2Col, p.B2K, p.B2Batch)) flags |= MatMulArgs.VectorB2;
        if (DeviceAddress(c) % 16 == 0 && p.N % 4 == 0 && p.CBatch % 4 == 0) flags |= MatMulArgs.VectorC;
        return flags;
    }

    /// <summary>
    /// Whether an operand's elements (lane, k) at address + 4 (batch * batchStride + lane * laneStride + k * kStride)
    /// can be read as 16-byte Float4s of 4 consecutive k (kStride 1) or 4 consecutive lanes (laneStride 1), starting at
    /// multiples of 4: the base is 16-byte aligned and every other stride is a multiple of 4.
    /// </summary>
    internal static bool Vectorizable(long address, long laneStride, long kStride, long batchStride) =>
        address % 16 == 0 && batchStride % 4 == 0 &&
        (kStride == 1 ? laneStride % 4 == 0 : laneStride == 1 && kStride % 4 == 0);

    /// <summary>The device address of a view's first element.</summary>
    private static long DeviceAddress<T>(ArrayView<T> view) where T : unmanaged =>
        ((IArrayView)view).Buffer.NativePtr.ToInt64() + ((IContiguousArrayView)view).IndexInBytes;
}
