using ILGPU;

namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>One thread per output element (coalesced writes): y[o, b, m, a, i] = x[o, a, m, b, i].</summary>
internal static class TransposeKernel
{
    public static void SwapAxes(Index1D index, ArrayView<float> x, ArrayView<float> y, int a, long middle, int b, long inner)
    {
        long at = index;
        long i = at % inner, rest = at / inner;
        long ai = rest % a; rest /= a;
        long m = rest % middle; rest /= middle;
        long bi = rest % b, o = rest / b;
        y[at] = x[(((o * a + ai) * middle + m) * b + bi) * inner + i];
    }
}
