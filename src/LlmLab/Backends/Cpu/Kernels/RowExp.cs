using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// The two reductions softmax-like rows share: the largest kept entry, and the sum of exp(x - max) over kept
/// entries. The sum keeps 16 partial sums (element i in lane i % 16, the layout of <see cref="SimdMath.Sum"/>) and
/// pads the tail into whole vectors with -infinity (exp gives 0), so every element takes the same exp path and the
/// bits never depend on the machine or the thread count. Long rows are summed in blocks of <see cref="Block"/>
/// elements whose lane sums are then added lane by lane, so rounding grows with n / 16 / Block + Block / 16 rather
/// than n / 16 (a 50257-wide vocabulary row). An empty keep span means "keep everything".
/// </summary>
internal static class RowExp
{
    /// <summary>Elements summed into fresh lanes before joining the running total (a multiple of 16).</summary>
    public const int Block = 1024;

    /// <summary>Largest x[i] with keep[i] != 0; -infinity when nothing is kept; NaN if a kept entry is NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Max(ReadOnlySpan<float> x, ReadOnlySpan<int> keep)
    {
        if (keep.IsEmpty) return SimdMath.Max(x);
        var negativeInfinity = Vector256.Create(float.NegativeInfinity);
        var m = negativeInfinity;
        var nan = Vector256<float>.Zero;
        int i = 0;
        for (; i <= x.Length - 8; i += 8)
        {
            var dropped = Vector256.Equals(Vector256.Create(keep.Slice(i, 8)), Vector256<int>.Zero).AsSingle();
            var v = Vector256.ConditionalSelect(dropped, negativeInfinity, Vector256.Create(x.Slice(i, 8)));
            nan |= ~Vector256.Equals(v, v);
            m = Vector256.Max(m, v);
        }
        float result = float.NegativeInfinity;
        for (int l = 0; l < 8; l++) result = Math.Max(result, m.GetElement(l));
        for (; i < x.Length; i++)
            if (keep[i] != 0) result = Math.Max(result, x[i]);
        return nan != Vector256<float>.Zero ? float.NaN : result;
    }

    /// <summary>
    /// Sum of exp(x[i] - max) over kept entries. When <paramref name="exps"/> is not empty it receives each
    /// exp(x[i] - max) (0 where dropped), so softmax needs no second exp pass.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float SumExp(ReadOnlySpan<float> x, ReadOnlySpan<int> keep, float max, Span<float> exps)
    {
        var m = Vector256.Create(max);
        Vector256<float> a0 = Vector256<float>.Zero, a1 = Vector256<float>.Zero;
        Vector256<float> t0 = Vector256<float>.Zero, t1 = Vector256<float>.Zero;
        bool write = !exps.IsEmpty;
        int i = 0;
        for (; i <= x.Length - 16; i += 16)
        {
            if (i % Block == 0 && i > 0)
            {
                t0 += a0;
                t1 += a1;
                a0 = a1 = Vector256<float>.Zero;
            }
            var e0 = Exp(x.Slice(i, 8), keep.IsEmpty ? keep : keep.Slice(i, 8), m);
            var e1 = Exp(x.Slice(i + 8, 8), keep.IsEmpty ? keep : keep.Slice(i + 8, 8), m);
            if (write)
            {
                e0.CopyTo(exps.Slice(i, 8));
                e1.CopyTo(exps.Slice(i + 8, 8));
            }
            a0 += e0;
            a1 += e1;
        }
        if (i < x.Length)
        {
            int n = x.Length - i;
            Span<float> px = stackalloc float[16];
            px.Fill(float.NegativeInfinity);
            x[i..].CopyTo(px);
            Span<int> pk = stackalloc int[16];
            pk.Clear();
            if (keep.IsEmpty) pk[..n].Fill(1);
            else keep[i..].CopyTo(pk);
            var e0 = Exp(px[..8], pk[..8], m);
            var e1 = Exp(px[8..], pk[8..], m);
            a0 += e0;
            a1 += e1;
            if (write)
            {
                Span<float> pe = stackalloc float[16];
                e0.CopyTo(pe);
                e1.CopyTo(pe[8..]);
                pe[..n].CopyTo(exps[i..]);
            }
        }
        t0 += a0;
        t1 += a1;
        // The tree of SimdMath.Sum: lanes folded upper onto lower, then (l0+l2)+(l1+l3).
        var h = (t0 + t1).GetLower() + (t0 + t1).GetUpper();
        return (h.GetElement(0) + h.GetElement(2)) + (h.GetElement(1) + h.GetElement(3));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Exp(ReadOnlySpan<float> x, ReadOnlySpan<int> keep, Vector256<float> max)
    {
        var e = SimdMath.Exp(Vector256.Create(x) - max);
        if (keep.IsEmpty) return e;
        var dropped = Vector256.Equals(Vector256.Create(keep), Vector256<int>.Zero).AsSingle();
        return Vector256.ConditionalSelect(dropped, Vector256<float>.Zero, e);
    }
}
