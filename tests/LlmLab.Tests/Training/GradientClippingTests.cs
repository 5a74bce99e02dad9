using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;
using LlmLab.Training;

namespace LlmLab.Tests.Training;

/// <summary>clip_grad_norm_'s norm and scale: exact small cases, and the backends' norm within 1e-6 relative of float64.</summary>
[Collection("backends")]
public class GradientClippingTests
{
    public static TheoryData<string> Backends => TestBackends.All;

    [Fact]
    public void Norm_and_scale_follow_clip_grad_norm()
    {
        Assert.Equal(5.0, GradientClipping.GlobalNorm([9f, 16f]));
        Assert.Equal((float)(1.0 / (5.0 + 1e-6)), GradientClipping.Scale(5.0, 1f));
        Assert.Equal(1f, GradientClipping.Scale(0.5, 1f)); // under the limit: untouched
        Assert.Equal(1f, GradientClipping.Scale(0, 1f));
        Assert.True(float.IsNaN(GradientClipping.Scale(double.NaN, 1f))); // a diverged run stays visible
        Assert.Contains("0", Assert.Throws<ArgumentException>(() => GradientClipping.Scale(1.0, 0f)).Message);
    }

    [Theory, MemberData(nameof(Backends))]
    public void Global_norm_over_tensors_matches_float64(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        var a = TestData.Normal(1, 1000);
        var b = TestData.Normal(2, 17, 3f);
        using var ta = Tensor.From(backend, a, 10, 100);
        using var tb = Tensor.From(backend, b, 17);
        var (norm, scale) = GradientClipping.Compute(backend, [ta, tb], 1f);
        double expected = Math.Sqrt(a.Concat(b).Sum(x => (double)x * x));
        Assert.Equal(expected, norm, expected * 1e-6);
        Assert.Equal(1.0 / (expected + 1e-6), scale, 1e-6 / expected);
    }
}
