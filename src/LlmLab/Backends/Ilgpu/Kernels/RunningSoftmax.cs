using ILGPU.Algorithms;

namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>
/// The online softmax statistics of part of a row: its largest value and sum exp(x - Max). Values are added (and
/// partial states merged) in one sweep, rescaling the sum when the maximum grows (Milakov and Gimelshein, 2018).
/// An empty state is (-infinity, 0); dropped entries are passed as -infinity and add nothing.
/// </summary>
internal readonly struct RunningSoftmax(float max, float sum)
{
    public readonly float Max = max;
    public readonly float Sum = sum;

    public RunningSoftmax Add(float v0, float v1, float v2, float v3)
    {
        float m = XMath.Max(XMath.Max(v0, v1), XMath.Max(v2, v3));
        if (m == float.NegativeInfinity) return this; // (a NaN is not skipped: it makes the sum NaN)
        float max = XMath.Max(Max, m);
        float sum = Sum * XMath.Exp(Max - max); // Max = -inf: Sum is 0 and exp gives 0
        return new RunningSoftmax(max, sum + ((XMath.Exp(v0 - max) + XMath.Exp(v1 - max)) + (XMath.Exp(v2 - max) + XMath.Exp(v3 - max))));
    }

    public RunningSoftmax Add(float v)
    {
        if (v == float.NegativeInfinity) return this;
        if (v > Max) return new RunningSoftmax(v, Sum * XMath.Exp(Max - v) + 1f);
        return new RunningSoftmax(Max, Sum + XMath.Exp(v - Max));
    }

    /// <summary>Symmetric in its operands, so a butterfly reduction leaves the same bits in every lane.</summary>
    public RunningSoftmax Merge(RunningSoftmax other)
    {
        float max = XMath.Max(Max, other.Max);
        if (max == float.NegativeInfinity) return this;
        return new RunningSoftmax(max, Sum * XMath.Exp(Max - max) + other.Sum * XMath.Exp(other.Max - max));
    }
}
