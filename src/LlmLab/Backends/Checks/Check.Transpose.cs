using LlmLab.Tensors;

namespace LlmLab.Backends;

/// <summary>x viewed as [outer, a, middle, b, inner] around the two swapped axes.</summary>
internal readonly record struct TransposeDims(long Outer, int A, long Middle, int B, long Inner, Shape Output);

internal static partial class Check
{
    public static TransposeDims Transpose(Tensor x, int axis0, int axis1)
    {
        F32(x, "transpose's input");
        if (x.Rank < 2)
            throw new ArgumentException($"transpose needs at least two axes, got shape {x.Shape}");
        int first = Math.Min(x.Shape.Axis(axis0), x.Shape.Axis(axis1));
        int second = Math.Max(x.Shape.Axis(axis0), x.Shape.Axis(axis1));
        var dims = x.Shape.ToArray();
        long outer = 1, middle = 1, inner = 1;
        for (int i = 0; i < first; i++) outer *= dims[i];
        for (int i = first + 1; i < second; i++) middle *= dims[i];
        for (int i = second + 1; i < dims.Length; i++) inner *= dims[i];
        var output = (int[])dims.Clone();
        (output[first], output[second]) = (dims[second], dims[first]);
        return new TransposeDims(outer, dims[first], middle, dims[second], inner, new Shape(output));
    }
}
