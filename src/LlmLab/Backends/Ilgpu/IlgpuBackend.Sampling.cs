using ILGPU;
using ILGPU.Runtime;
using LlmLab.Backends.Cpu.Kernels;
using LlmLab.Backends.Ilgpu.Kernels;
using LlmLab.Tensors;

namespace LlmLab.Backends.Ilgpu;

/// <summary>
/// Sampling on the device, one group per row (<see cref="SamplingKernels"/>). The candidate lists live in scratch
/// buffers kept between calls (sampling runs every step). Same semantics as the cpu backend; the softmax masses use
/// the device's exp and fixed-point sums, so a top-p cut or a draw that falls within float rounding of a boundary
/// may differ from cpu, never run to run.
/// </summary>
public sealed partial class IlgpuBackend
{
    /// <summary>Largest vocabulary the kernels take: indices share a 64-bit key with the 32-bit value key.</summary>
    public const int MaxSamplingVocab = 1 << 24;

    private MemoryBuffer1D<float, Stride1D.Dense>? _samplingRows, _samplingValuesA, _samplingValuesB;
    private MemoryBuffer1D<int, Stride1D.Dense>? _samplingListsA, _samplingListsB, _samplingDummy;

    /// <summary>Threads per row when set (a multiple of 32 up to 1024; tests and benchmarks vary it). Otherwise
    /// a GPU gets the largest of 1024, 512, 256, 128 that the kernel's registers allow on one multiprocessor, and
    /// the CPU simulator one warp (its barriers cost milliseconds, and fewer threads means fewer to wake).</summary>
    internal int SamplingGroupSize { get; set; }

    private readonly Dictionary<string, int> _samplingGroupSizes = new();

    private int GroupSizeForSampling(string name, Delegate kernel)
    {
        if (SamplingGroupSize > 0) return Math.Min(SamplingGroupSize, SamplingKernels.MaxGroupSize);
        if (Accelerator.AcceleratorType == AcceleratorType.CPU) return SamplingBlock.WarpSize;
        lock (_samplingGroupSizes)
        {
            if (_samplingGroupSizes.TryGetValue(name, out int cached)) return cached;
            int chosen = 128;
            try
            {
                var compiled = KernelUtil.GetKernel(kernel);
                foreach (int size in new[] { 1024, 512, 256 })
                    if (size <= Accelerator.MaxNumThreadsPerGroup && Accelerator.EstimateMaxActiveGroupsPerMultiprocessor(compiled, size, 0) > 0)
                    {
                        chosen = size;
                        break;
                    }
            }
            catch (Exception e) when (e is NotSupportedException or InvalidOperationException or ArgumentException)
            {
                chosen = 256; // no occupancy query here: a size every CUDA kernel of this shape launches with
            }
            return _samplingGroupSizes[name] = chosen;
        }
    }

    public Tensor ApplyWarpers(Tensor logits, SamplingOptions options, Tensor? previousTokens = null)
    {
        Check.Sampling(this, logits, options, previousTokens, "apply-warpers");
        CheckVocab(logits);
        var y = Output(logits.Shape);
        if (logits.Shape[0] == 0) return y;
        var p = Parameters(logits, options, previousTokens, SamplingParameters.ModeWarp);
        if (options.IsGreedy) p = p with { Temperature = 1f, TopK = 0, TopPOn = 0, MinP = 0f };
        Launch(logits, previousTokens, View<float>(y), null, p);
        return y;
    }

    public Tensor Sample(Tensor logits, SamplingOptions options, Tensor? previousTokens, ulong seed, long step)
    {
        Check.Sampling(this, logits, options, previousTokens, "sample");
        CheckVocab(logits);
        int batch = logits.Shape[0], vocab = logits.Shape[1];
        var tokens = Output(new Shape(batch), DType.I32);
        if (batch == 0) return tokens;
        var rows = Scratch(ref _samplingRows, (long)batch * vocab);
        if (options.IsGreedy)
        {
            // HF's greedy search runs the logits processors (the repetition penalty), then argmax.
            var source = View<float>(logits);
            if (options.RepetitionPenalty != 1f)
            {
                var p = Parameters(logits, options, previousTokens, SamplingParameters.ModePenaltyOnly) with { Temperature = 1f };
                Launch(logits, previousTokens, rows, null, p);
                source = rows;
            }
            LaunchArgmax(source, View<int>(tokens), batch, vocab, nanGivesMinusOne: true);
            return tokens;
        }
        var sample = Parameters(logits, options, previousTokens, SamplingParameters.ModeSample) with { Seed = seed, Step = (ulong)step };
        Launch(logits, previousTokens, rows, View<int>(tokens), sample);
        return tokens;
    }

    public Tensor Argmax(Tensor logits)
    {
        ArgumentNullException.ThrowIfNull(logits);
        Check.SameBackend(this, logits);
        Check.Logits(logits, "argmax");
        int batch = logits.Shape[0];
        var tokens = Output(new Shape(batch), DType.I32);
        if (batch > 0) LaunchArgmax(View<float>(logits), View<int>(tokens), batch, logits.Shape[1], nanGivesMinusOne: false);
        return tokens;
    }

    private static void CheckVocab(Tensor logits)
    {
        if (logits.Shape[1] > MaxSamplingVocab)
            throw new ArgumentException($"sampling on ILGPU takes vocabularies up to {MaxSamplingVocab}; logits {logits.Shape} are wider");
    }

    private static SamplingParameters Parameters(Tensor logits, SamplingOptions o, Tensor? previousTokens, int mode)
    {
        int vocab = logits.Shape[1];
        int k = o.TopK > 0 ? Math.Max(o.TopK, o.MinTokensToKeep) : 0;
        return new SamplingParameters
        {
            Vocab = vocab,
            PreviousLength = previousTokens?.Shape[1] ?? 0,
            Mode = mode,
            Temperature = o.IsGreedy ? 1f : o.Temperature,
            Penalty = o.RepetitionPenalty,
            TopK = k < vocab ? k : 0,
            TopPOn = o.TopP < 1f ? 1 : 0,
            TopPThreshold = o.TopP < 1f ? FixedPointRemovalThreshold(o.TopP) : 0,
            MinP = o.MinP,
            MinTokensToKeep = o.MinTokensToKeep,
        };
    }

    /// <summary>
    /// HF removes while (float)cumulative &lt;= 1 - p (<see cref="TopP.RemovalThreshold"/>). A real c rounds to a
    /// float &lt;= t exactly when c is below the midpoint between t and the next float up, so in fixed point
    /// (2^40 = 1) the removal bound is that midpoint, rounded down.
    /// </summary>
    private static ulong FixedPointRemovalThreshold(float topP)
    {
        float t = TopP.RemovalThreshold(topP);
        double midpoint = ((double)t + MathF.BitIncrement(t)) / 2;
        return (ulong)Math.Floor(Math.Max(0, midpoint) * SamplingSelect.FixedPointOne);
    }

    private void Launch(Tensor logits, Tensor? previousTokens, ArrayView<float> rows, ArrayView<int>? tokens, SamplingParameters p)
    {
        int batch = logits.Shape[0];
        long length = (long)batch * p.Vocab;
        var kernel = Kernel("sampling.warp-rows", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<int>, ArrayView<float>,
            ArrayView<int>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<int>, SamplingParameters>(SamplingKernels.WarpRows));
        var dummy = Scratch(ref _samplingDummy, 1);
        var previous = previousTokens is not null && p.PreviousLength > 0 ? View<int>(previousTokens) : dummy;
        kernel(new KernelConfig(batch, GroupSizeForSampling("sampling.warp-rows", kernel)), View<float>(logits), previous, rows,
            Scratch(ref _samplingListsA, length), Scratch(ref _samplingValuesA, length),
            Scratch(ref _samplingListsB, length), Scratch(ref _samplingValuesB, length), tokens ?? dummy, p);
    }

    private void LaunchArgmax(ArrayView<float> logits, ArrayView<int> tokens, int batch, int vocab, bool nanGivesMinusOne)
    {
        var kernel = Kernel("sampling.argmax", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<int>, int, int>(SamplingKernels.ArgmaxRows));
        kernel(new KernelConfig(batch, GroupSizeForSampling("sampling.argmax", kernel)), logits, tokens, vocab, nanGivesMinusOne ? 1 : 0);
    }

    /// <summary>A scratch buffer of at least <paramref name="length"/> elements, grown when too small.</summary>
    private ArrayView<T> Scratch<T>(ref MemoryBuffer1D<T, Stride1D.Dense>? buffer, long length) where T : unmanaged
    {
        if (buffer is null || buffer.Length < length)
        {
            if (buffer is not null)
            {
                Stream.Synchronize(); // a launched kernel may still use it
                buffer.Dispose();
            }
            buffer = Accelerator.Allocate1D<T>(Math.Max(length, 1));
        }
        return buffer.View.SubView(0, Math.Max(length, 1));
    }
}
