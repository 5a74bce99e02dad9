using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;

namespace LlmLab.Tests.Kernels;

/// <summary>Transpose (two axes swapped, a contiguous copy) against index arithmetic: exact.</summary>
[Collection("backends")]
public class TransposeTests
{
    public static TheoryData<string> Backends => TestBackends.All;

    [Theory, MemberData(nameof(Backends))]
    public void Swapping_two_axes_moves_every_element_where_index_arithmetic_says(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        foreach (var (dims, a0, a1) in new[] { (new[] { 2, 3, 4, 5 }, 1, 2), (new[] { 3, 17 }, 0, 1), (new[] { 2, 3, 1, 4 }, 0, 3), (new[] { 1, 1000, 3 }, -1, -2) })
        {
            var x = TestData.Uniform(dims.Sum(), dims.Aggregate(1, (p, d) => p * d));
            using var t = Tensor.From(backend, x, dims);
            using var y = backend.Transpose(t, a0, a1);
            int first = Math.Min(t.Shape.Axis(a0), t.Shape.Axis(a1)), second = Math.Max(t.Shape.Axis(a0), t.Shape.Axis(a1));
            var outDims = (int[])dims.Clone();
            (outDims[first], outDims[second]) = (dims[second], dims[first]);
            Assert.Equal(new Shape(outDims), y.Shape);
            var actual = y.ToArray<float>();
            var index = new int[dims.Length];
            for (int flat = 0; flat < x.Length; flat++)
            {
                int rest = flat;
                for (int axis = dims.Length - 1; axis >= 0; axis--) { index[axis] = rest % dims[axis]; rest /= dims[axis]; }
                (index[first], index[second]) = (index[second], index[first]);
                int target = 0;
                for (int axis = 0; axis < dims.Length; axis++) target = target * outDims[axis] + index[axis];
                Assert.Equal(x[flat], actual[target]);
            }
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void A_vector_or_an_axis_that_does_not_exist_is_refused(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var v = Tensor.Zeros(backend, new Shape(4));
        Assert.Contains("[4]", Assert.Throws<ArgumentException>(() => backend.Transpose(v, 0, 0)).Message);
        using var m = Tensor.Zeros(backend, new Shape(2, 3));
        Assert.Contains("[2, 3]", Assert.Throws<ArgumentOutOfRangeException>(() => backend.Transpose(m, 0, 2)).Message);
    }
}
