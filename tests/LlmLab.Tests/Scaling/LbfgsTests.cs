using LlmLab.Scaling;

namespace LlmLab.Tests.Scaling;

/// <summary>L-BFGS on textbook problems: Rosenbrock's valley, an ill-conditioned quadratic, and its contract.</summary>
public class LbfgsTests
{
    private static (double, double[]) Rosenbrock(double[] x) =>
        (100 * Math.Pow(x[1] - x[0] * x[0], 2) + Math.Pow(1 - x[0], 2),
         [-400 * x[0] * (x[1] - x[0] * x[0]) - 2 * (1 - x[0]), 200 * (x[1] - x[0] * x[0])]);

    [Fact]
    public void Rosenbrock_from_the_classic_start_reaches_one_one()
    {
        var result = Lbfgs.Minimize(Rosenbrock, [-1.2, 1]);
        Assert.Equal(LbfgsStop.Gradient, result.Stop);
        Assert.Equal(1, result.X[0], 1e-6);
        Assert.Equal(1, result.X[1], 1e-6);
        Assert.True(result.Value < 1e-12, $"f = {result.Value}");
        // Nocedal and Wright report a few dozen iterations for quasi-Newton methods from this start.
        Assert.InRange(result.Iterations, 10, 100);
    }

    [Fact]
    public void An_ill_conditioned_quadratic_is_solved()
    {
        // f(x) = 1/2 sum_i k_i (x_i - i)^2 with curvatures 1 to 1e4: the minimum is x_i = i.
        const int n = 10;
        double Curvature(int i) => Math.Pow(1e4, i / (n - 1.0));
        var result = Lbfgs.Minimize(x =>
        {
            double f = 0;
            var g = new double[n];
            for (int i = 0; i < n; i++)
            {
                f += 0.5 * Curvature(i) * (x[i] - i) * (x[i] - i);
                g[i] = Curvature(i) * (x[i] - i);
            }
            return (f, g);
        }, new double[n], new LbfgsOptions { GradientTolerance = 1e-10 });
        Assert.Equal(LbfgsStop.Gradient, result.Stop);
        for (int i = 0; i < n; i++) Assert.Equal(i, result.X[i], 1e-9);
    }

    [Fact]
    public void A_gradient_array_reused_by_the_objective_is_copied()
    {
        var shared = new double[2];
        var result = Lbfgs.Minimize(x =>
        {
            var (f, g) = Rosenbrock(x);
            g.CopyTo(shared, 0);
            return (f, shared);
        }, [-1.2, 1]);
        Assert.Equal(1, result.X[0], 1e-6);
        Assert.Equal(Lbfgs.Minimize(Rosenbrock, [-1.2, 1]).X, result.X); // the same bits either way
    }

    [Fact]
    public void Limits_and_bad_starts_are_reported()
    {
        var capped = Lbfgs.Minimize(Rosenbrock, [-1.2, 1], new LbfgsOptions { MaxIterations = 3 });
        Assert.Equal(LbfgsStop.MaxIterations, capped.Stop);
        Assert.Equal(3, capped.Iterations);
        Assert.Throws<ArgumentException>(() => Lbfgs.Minimize(_ => (double.NaN, [0.0]), [0.0]));
        Assert.Throws<ArgumentException>(() => Lbfgs.Minimize(Rosenbrock, []));
        Assert.Throws<ArgumentException>(() => Lbfgs.Minimize(Rosenbrock, [0, 0], new LbfgsOptions { History = 0 }));
    }
}
