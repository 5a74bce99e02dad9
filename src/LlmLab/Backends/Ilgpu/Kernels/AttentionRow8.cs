using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Algorithms;

namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>
/// Eight floats a thread keeps in registers (8 scores of a query row, or 8 dims of its output), written out by
/// hand because ILGPU does not unroll loops and a run-time-indexed local array would spill to local memory. The
/// helpers are pure functions of values so every field stays a scalar register.
/// </summary>
internal readonly struct AttentionRow8
{
    public readonly float X0, X1, X2, X3, X4, X5, X6, X7;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public AttentionRow8(float x0, float x1, float x2, float x3, float x4, float x5, float x6, float x7)
    {
        X0 = x0; X1 = x1; X2 = x2; X3 = x3; X4 = x4; X5 = x5; X6 = x6; X7 = x7;
    }

    public static AttentionRow8 Zero => new(0, 0, 0, 0, 0, 0, 0, 0);

    /// <summary>view[at + j * stride] for j = 0..7.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static AttentionRow8 Load(ArrayView<float> view, int at, int stride) => new(
        view[at], view[at + stride], view[at + 2 * stride], view[at + 3 * stride],
        view[at + 4 * stride], view[at + 5 * stride], view[at + 6 * stride], view[at + 7 * stride]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(ArrayView<float> view, int at, int stride)
    {
        view[at] = X0; view[at + stride] = X1; view[at + 2 * stride] = X2; view[at + 3 * stride] = X3;
        view[at + 4 * stride] = X4; view[at + 5 * stride] = X5; view[at + 6 * stride] = X6; view[at + 7 * stride] = X7;
    }

    /// <summary>a * x + acc, lane by lane (one FMA each).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static AttentionRow8 MulAdd(float a, AttentionRow8 x, AttentionRow8 acc) => new(
        a * x.X0 + acc.X0, a * x.X1 + acc.X1, a * x.X2 + acc.X2, a * x.X3 + acc.X3,
        a * x.X4 + acc.X4, a * x.X5 + acc.X5, a * x.X6 + acc.X6, a * x.X7 + acc.X7);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static AttentionRow8 Scale(AttentionRow8 x, float a) => new(
        x.X0 * a, x.X1 * a, x.X2 * a, x.X3 * a, x.X4 * a, x.X5 * a, x.X6 * a, x.X7 * a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static AttentionRow8 Add(AttentionRow8 x, AttentionRow8 y) => new(
        x.X0 + y.X0, x.X1 + y.X1, x.X2 + y.X2, x.X3 + y.X3, x.X4 + y.X4, x.X5 + y.X5, x.X6 + y.X6, x.X7 + y.X7);

    /// <summary>Lane j keeps x unless key (firstKey + 8 j) lies past <paramref name="lastVisible"/>: then -infinity.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static AttentionRow8 Causal(AttentionRow8 x, int firstKey, int lastVisible) => new(
        firstKey <= lastVisible ? x.X0 : float.NegativeInfinity,
        firstKey + 8 <= lastVisible ? x.X1 : float.NegativeInfinity,
        firstKey + 16 <= lastVisible ? x.X2 : float.NegativeInfinity,
        firstKey + 24 <= lastVisible ? x.X3 : float.NegativeInfinity,
        firstKey + 32 <= lastVisible ? x.X4 : float.NegativeInfinity,
        firstKey + 40 <= lastVisible ? x.X5 : float.NegativeInfinity,
        firstKey + 48 <= lastVisible ? x.X6 : float.NegativeInfinity,
        firstKey + 56 <= lastVisible ? x.X7 : float.NegativeInfinity);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Max(AttentionRow8 x) =>
        XMath.Max(XMath.Max(XMath.Max(x.X0, x.X1), XMath.Max(x.X2, x.X3)), XMath.Max(XMath.Max(x.X4, x.X5), XMath.Max(x.X6, x.X7)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(AttentionRow8 x) => ((x.X0 + x.X1) + (x.X2 + x.X3)) + ((x.X4 + x.X5) + (x.X6 + x.X7));

    /// <summary>2^(x - m) lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static AttentionRow8 Exp2Minus(AttentionRow8 x, float m) => new(
        XMath.Exp2(x.X0 - m), XMath.Exp2(x.X1 - m), XMath.Exp2(x.X2 - m), XMath.Exp2(x.X3 - m),
        XMath.Exp2(x.X4 - m), XMath.Exp2(x.X5 - m), XMath.Exp2(x.X6 - m), XMath.Exp2(x.X7 - m));
}
