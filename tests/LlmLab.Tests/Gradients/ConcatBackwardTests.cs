using LlmLab.Autograd;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;

namespace LlmLab.Tests.Gradients;

/// <summary>
/// Tape.Concat: the joined values in row-major order along each axis, and each input's gradient is exactly its own
/// block of the output's gradient (a copy, so bit-identical to the float64 reference of that copy).
/// </summary>
[Collection("backends")]
public class ConcatBackwardTests
{
    public static TheoryData<string> Backends => TestBackends.All;

    [Theory, MemberData(nameof(Backends))]
    public void Each_input_gets_its_block_of_the_gradient_along_every_axis(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        int[] shapeA = [2, 3, 4];
        for (int axis = 0; axis < 3; axis++)
        {
            int[] shapeB = [.. shapeA];
            shapeB[axis] = 2;
            int[] joined = [.. shapeA];
            joined[axis] += 2;
            var a = TestData.Uniform(axis + 1, 24);
            var b = TestData.Uniform(axis + 11, shapeB.Aggregate(1, (x, y) => x * y));
            var dy = TestData.Normal(axis + 21, joined.Aggregate(1, (x, y) => x * y));

            // The reference: element (i, j, k) of the output comes from a or from b at the index shifted back.
            var expected = new float[dy.Length];
            var (expectedA, expectedB) = (new float[a.Length], new float[b.Length]);
            for (int i = 0; i < joined[0]; i++)
                for (int j = 0; j < joined[1]; j++)
                    for (int k = 0; k < joined[2]; k++)
                    {
                        int[] at = [i, j, k];
                        int o = (i * joined[1] + j) * joined[2] + k;
                        bool fromA = at[axis] < shapeA[axis];
                        if (!fromA) at[axis] -= shapeA[axis];
                        int[] s = fromA ? shapeA : shapeB;
                        int source = (at[0] * s[1] + at[1]) * s[2] + at[2];
                        expected[o] = fromA ? a[source] : b[source];
                        if (fromA) expectedA[source] = dy[o];
                        else expectedB[source] = dy[o];
                    }

            using var tape = new Tape(backend);
            var va = tape.Leaf(Tensor.From(backend, a, shapeA), "a");
            var vb = tape.Leaf(Tensor.From(backend, b, shapeB), "b");
            var y = tape.Concat(va, vb, axis);
            Assert.Equal(new Shape(joined), y.Shape);
            AssertClose.BitIdentical(expected, y.Data.ToArray<float>(), $"values along axis {axis}");
            // loss = Σ y ⊙ dy as a [1, N] x [N, 1] product, so that d loss / d y is dy exactly.
            using var weights = Tensor.From(backend, dy, 1, dy.Length);
            tape.Backward(tape.MatMul(tape.Reshape(y, 1, dy.Length), tape.Constant(weights), transposeB: true));
            AssertClose.BitIdentical(expectedA, va.Grad!.ToArray<float>(), $"d a along axis {axis}");
            AssertClose.BitIdentical(expectedB, vb.Grad!.ToArray<float>(), $"d b along axis {axis}");
            va.Data.Dispose();
            vb.Data.Dispose();
        }
        using var two = Tensor.Zeros(backend, new Shape(2, 3));
        using var three = Tensor.Zeros(backend, new Shape(3, 3));
        using var check = new Tape(backend);
        Assert.Throws<ArgumentException>(() => check.Concat(check.Constant(two), check.Constant(three), 1));
    }
}
