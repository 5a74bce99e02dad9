using LlmLab.Tensors;

namespace LlmLab.Autograd;

public sealed partial class Tape
{
    /// <summary>
    /// f32 a and b joined along <paramref name="axis"/> (every other axis equal), e.g. virtual-token embeddings
    /// [B, P, C] ahead of token embeddings [B, T, C]; each input gets its own block of the gradient back.
    /// </summary>
    public Variable Concat(Variable a, Variable b, int axis)
    {
        var (sa, sb) = (a.Shape, b.Shape);
        if (a.Data.DType != DType.F32 || b.Data.DType != DType.F32) throw new ArgumentException("Concat joins f32 tensors");
        if (sa.Rank != sb.Rank || axis < 0 || axis >= sa.Rank || Enumerable.Range(0, sa.Rank).Any(i => i != axis && sa[i] != sb[i]))
            throw new ArgumentException($"cannot join {sa} and {sb} along axis {axis}: the other axes must agree");
        var dims = sa.ToArray();
        dims[axis] += sb[axis];
        // Row-major: the inputs alternate in blocks, one block of each per index of the axes before `axis`.
        long outer = 1;
        for (int i = 0; i < axis; i++) outer *= sa[i];
        long blockA = a.Data.ByteLength / outer, blockB = b.Data.ByteLength / outer;
        var output = Tensor.Zeros(Backend, new Shape(dims));
        for (long o = 0; o < outer; o++)
        {
            Backend.Copy(a.Data.Storage, a.Data.ByteOffset + o * blockA, output.Storage, output.ByteOffset + o * (blockA + blockB), blockA);
            Backend.Copy(b.Data.Storage, b.Data.ByteOffset + o * blockB, output.Storage, output.ByteOffset + o * (blockA + blockB) + blockA, blockB);
        }
        return Record(output, dy =>
        {
            if (a.RequiresGrad) Accumulate(a, Block(dy, sa, outer, blockA, blockA + blockB, 0));
            if (b.RequiresGrad) Accumulate(b, Block(dy, sb, outer, blockB, blockA + blockB, blockA));
        }, a, b);
    }

    // The [outer × block] part of dy that one input contributed, as a tensor of that input's shape.
    private Tensor Block(Tensor dy, Shape shape, long outer, long block, long stride, long skip)
    {
        var grad = Tensor.Zeros(Backend, shape);
        for (long o = 0; o < outer; o++)
            Backend.Copy(dy.Storage, dy.ByteOffset + o * stride + skip, grad.Storage, grad.ByteOffset + o * block, block);
        return grad;
    }
}
