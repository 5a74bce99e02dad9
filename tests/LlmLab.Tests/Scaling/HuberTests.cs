using LlmLab.Scaling;

namespace LlmLab.Tests.Scaling;

/// <summary>The Huber loss: hand values, continuity at delta, and the derivative against float64 central differences.</summary>
public class HuberTests
{
    private const double Delta = 1e-3;

    [Fact]
    public void Values_are_quadratic_inside_delta_and_linear_outside()
    {
        Assert.Equal(0, Huber.Value(0, Delta));
        Assert.Equal(0.5 * 4e-4 * 4e-4, Huber.Value(-4e-4, Delta), 1e-20);
        Assert.Equal(1e-3 * (2e-3 - 0.5e-3), Huber.Value(2e-3, Delta), 1e-18);  // 1.5e-6
        Assert.Equal(1e-3 * (0.7 - 0.5e-3), Huber.Value(-0.7, Delta), 1e-15);
        // At |r| = delta both branches give delta^2 / 2, so the loss is continuous there.
        Assert.Equal(0.5 * Delta * Delta, Huber.Value(Delta, Delta));
        Assert.Equal(0.5 * Delta * Delta, Huber.Value(Math.BitIncrement(Delta), Delta), 1e-20);
        Assert.Equal(Delta, Huber.Derivative(5, Delta));
        Assert.Equal(-Delta, Huber.Derivative(-5, Delta));
    }

    [Theory]
    [InlineData(-0.7)]
    [InlineData(-2.5e-3)]
    [InlineData(-4e-4)]
    [InlineData(0.0)]
    [InlineData(3e-4)]
    [InlineData(9.9e-4)]
    [InlineData(1.01e-3)]
    [InlineData(0.05)]
    public void Derivative_matches_central_differences(double r)
    {
        // A step of 1e-7 of the residual's scale: the rounding error of the difference quotient is about
        // 1e-16 · value / h, far below the 1e-9 · delta allowed; the kink of the second derivative at ±delta is
        // more than h away from every residual here.
        double h = 1e-7 * Math.Max(Math.Abs(r), Delta);
        double numeric = (Huber.Value(r + h, Delta) - Huber.Value(r - h, Delta)) / (2 * h);
        Assert.Equal(numeric, Huber.Derivative(r, Delta), 1e-9 * Delta);
    }
}
