using ILGPU;
using ILGPU.Algorithms;

namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>
/// Optimizer kernels. The elementwise ones run grid-stride loops over groups of <see cref="Threads"/> (consecutive
/// threads read consecutive elements: coalesced), each element from its own inputs. The sum of squares is two
/// passes with a fixed partition and no atomics: pass 1 gives each group one chunk of <see cref="Chunk"/> elements
/// (16 a thread in four independent float accumulators, then a shared-memory tree), pass 2 is one group that adds
/// the chunk partials in double (a strided sweep, then a shared-memory tree). The trees use shared memory rather
/// than warp shuffles so the order does not depend on the warp size: the CPU simulator and a GPU add in the same
/// order (a GPU compiler may still fuse x * x + s into an FMA).
/// </summary>
internal static class OptimizerKernels
{
    public const int Threads = 256;
    public const int Chunk = 4096;

    /// <summary>Groups for a grid-stride launch over count elements: enough to fill a large GPU, no more.</summary>
    public static int Groups(long count) => (int)Math.Clamp((count + Threads - 1) / Threads, 1, 8192);

    public static void ScaledAdd(ArrayView<float> destination, ArrayView<float> source, float scale)
    {
        long stride = (long)Grid.DimX * Group.DimX;
        for (long i = Grid.GlobalIndex.X; i < destination.Length; i += stride)
            destination[i] = destination[i] + source[i] * scale;
    }

    public static void AdamW(ArrayView<float> parameter, ArrayView<float> gradient, ArrayView<float> m, ArrayView<float> v, AdamWScalars s)
    {
        long stride = (long)Grid.DimX * Group.DimX;
        for (long i = Grid.GlobalIndex.X; i < parameter.Length; i += stride)
        {
            float g = gradient[i] * s.GradientScale;
            float p = parameter[i] * s.Decay;
            float mi = m[i];
            // torch's lerp; written unfused (the simulator rounds the product, a GPU compiler may fuse it as the cpu
            // backend and torch's vectorised lerp do): a difference of 1 ulp of the moment at most.
            mi = s.LerpWeight * (g - mi) + (s.LerpFromGradient != 0 ? g : mi);
            float vi = v[i] * s.Beta2 + s.OneMinusBeta2 * g * g;
            float denom = XMath.Sqrt(vi) / s.Bc2Sqrt + s.Epsilon;
            parameter[i] = p + s.NegativeStepSize * mi / denom;
            m[i] = mi;
            v[i] = vi;
        }
    }

    /// <summary>Pass 1: partials[group] = sum of x^2 over the group's chunk.</summary>
    public static void SquaresPartials(ArrayView<float> x, ArrayView<float> partials)
    {
        var tree = SharedMemory.Allocate<float>(Threads);
        int t = Group.IdxX;
        long start = (long)Grid.IdxX * Chunk;
        long end = XMath.Min(start + Chunk, x.Length);
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
        for (int k = 0; k < Chunk; k += 4 * Threads)
        {
            long i = start + k + t;
            float a0 = i < end ? x[i] : 0f;
            float a1 = i + Threads < end ? x[i + Threads] : 0f;
            float a2 = i + 2 * Threads < end ? x[i + 2 * Threads] : 0f;
            float a3 = i + 3 * Threads < end ? x[i + 3 * Threads] : 0f;
            s0 += a0 * a0;
            s1 += a1 * a1;
            s2 += a2 * a2;
            s3 += a3 * a3;
        }
        tree[t] = (s0 + s1) + (s2 + s3);
        Group.Barrier();
        for (int width = Threads / 2; width > 0; width >>= 1)
        {
            if (t < width) tree[t] += tree[t + width];
            Group.Barrier();
        }
        if (t == 0) partials[Grid.IdxX] = tree[0];
    }

    /// <summary>Pass 2 (one group): total[0] = the partials' sum, accumulated in double and rounded once.</summary>
    public static void SquaresTotal(ArrayView<float> partials, ArrayView<float> total)
    {
        var tree = SharedMemory.Allocate<double>(Threads);
        int t = Group.IdxX;
        double s = 0;
        for (long i = t; i < partials.Length; i += Threads) s += partials[i];
        tree[t] = s;
        Group.Barrier();
        for (int width = Threads / 2; width > 0; width >>= 1)
        {
            if (t < width) tree[t] += tree[t + width];
            Group.Barrier();
        }
        if (t == 0) total[0] = (float)tree[0];
    }
}
