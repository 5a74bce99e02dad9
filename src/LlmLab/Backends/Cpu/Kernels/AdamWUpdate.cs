using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// One AdamW step over a range of elements, in place, in the float32 operation order of <see cref="AdamWScalars"/>
/// (PyTorch's single-tensor AdamW). The vector loop and the scalar tail do the same operations, FMA in the same one
/// place (lerp, as torch's vectorised lerp does), so each element's bits depend on its inputs alone.
/// </summary>
internal static class AdamWUpdate
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(Span<float> p, ReadOnlySpan<float> grad, Span<float> m, Span<float> v, in AdamWScalars s)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var scale = Vector256.Create(s.GradientScale);
            var decay = Vector256.Create(s.Decay);
            var weight = Vector256.Create(s.LerpWeight);
            var beta2 = Vector256.Create(s.Beta2);
            var oneMinusBeta2 = Vector256.Create(s.OneMinusBeta2);
            var bc2Sqrt = Vector256.Create(s.Bc2Sqrt);
            var epsilon = Vector256.Create(s.Epsilon);
            var negativeStepSize = Vector256.Create(s.NegativeStepSize);
            bool fromGradient = s.LerpFromGradient != 0;
            for (; i <= p.Length - 8; i += 8)
            {
                var g = Vector256.Create(grad.Slice(i, 8)) * scale;
                var pi = Vector256.Create(p.Slice(i, 8)) * decay;
                var mi = Vector256.Create(m.Slice(i, 8));
                mi = Vector256.FusedMultiplyAdd(weight, g - mi, fromGradient ? g : mi);
                var vi = Vector256.Create(v.Slice(i, 8)) * beta2 + oneMinusBeta2 * g * g;
                var denom = Vector256.Sqrt(vi) / bc2Sqrt + epsilon;
                pi += negativeStepSize * mi / denom;
                pi.CopyTo(p.Slice(i, 8));
                mi.CopyTo(m.Slice(i, 8));
                vi.CopyTo(v.Slice(i, 8));
            }
        }
        for (; i < p.Length; i++)
        {
            float g = grad[i] * s.GradientScale;
            float pi = p[i] * s.Decay;
            float mi = m[i];
            mi = MathF.FusedMultiplyAdd(s.LerpWeight, g - mi, s.LerpFromGradient != 0 ? g : mi);
            float vi = v[i] * s.Beta2 + s.OneMinusBeta2 * g * g;
            float denom = MathF.Sqrt(vi) / s.Bc2Sqrt + s.Epsilon;
            p[i] = pi + s.NegativeStepSize * mi / denom;
            m[i] = mi;
            v[i] = vi;
        }
    }
}
