using LlmLab.Scaling;

namespace LlmLab.Tests.Scaling;

/// <summary>The Approach 3 objective: its value by hand and its analytic gradient against central differences.</summary>
public class ChinchillaObjectiveTests
{
    private static readonly List<ScalingPoint> Points = ScalingData.IsoFlopGrid(ScalingLaw.Chinchilla, noise: 0.005, seed: 3);

    [Fact]
    public void Value_is_the_summed_huber_loss_of_log_residuals()
    {
        var objective = new ChinchillaObjective(Points, 1e-3);
        var law = new ScalingLaw(1.5, 300, 500, 0.3, 0.3);
        double expected = Points.Sum(p => Huber.Value(Math.Log(law.Loss(p.N, p.D)) - Math.Log(p.Loss), 1e-3));
        double[] theta = [Math.Log(300), Math.Log(500), Math.Log(1.5), 0.3, 0.3];
        Assert.Equal(expected, objective.Evaluate(theta, new double[5]), 1e-12);
    }

    [Theory]
    [InlineData(6.0, 6.0, 0.5, 0.34, 0.28)]    // near the truth: residuals within delta, the quadratic part
    [InlineData(0.0, 25.0, -1.0, 0.0, 2.0)]    // a corner of the start grid
    [InlineData(12.0, 3.0, 0.2, 0.7, 0.1)]     // far off: every residual in the linear part
    [InlineData(40.0, 40.0, 1.0, 2.0, 2.0)]    // large a and b: the log-sum-exp must not overflow
    public void Gradient_matches_central_differences(double a, double b, double e, double alpha, double beta)
    {
        foreach (double delta in new[] { 1e-3, 1.0 }) // the paper's delta, and one where all residuals are quadratic
        {
            var objective = new ChinchillaObjective(Points, delta);
            double[] theta = [a, b, e, alpha, beta];
            var gradient = new double[5];
            objective.Evaluate(theta, gradient);
            for (int i = 0; i < 5; i++)
            {
                // h = 1e-6: truncation error ~h^2 f''' and rounding ~1e-16 f / h, both far below the tolerance;
                // a residual crossing ±delta within h would break this, and none does at these points.
                const double h = 1e-6;
                double[] plus = [.. theta], minus = [.. theta];
                plus[i] += h;
                minus[i] -= h;
                double numeric = (objective.Evaluate(plus, new double[5]) - objective.Evaluate(minus, new double[5])) / (2 * h);
                double scale = Math.Max(Math.Abs(numeric), 1e-3 * delta);
                Assert.True(Math.Abs(gradient[i] - numeric) <= 1e-6 * scale,
                    $"theta {i} at delta {delta}: analytic {gradient[i]:R}, numeric {numeric:R}");
            }
        }
    }
}
