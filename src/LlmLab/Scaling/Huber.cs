namespace LlmLab.Scaling;

/// <summary>
/// The Huber loss: quadratic within <c>delta</c> of zero, linear beyond, so a few runs far off the law (a diverged
/// run, a mislabelled size) pull the fit less than under least squares. Hoffmann et al. 2022 fit their scaling law
/// with delta = 1e-3 on residuals of log loss, which makes most residuals fall in the linear part.
/// </summary>
public static class Huber
{
    /// <summary>Hoffmann et al.'s delta for residuals of log loss.</summary>
    public const double ChinchillaDelta = 1e-3;

    /// <summary>0.5 r^2 for |r| &lt;= delta, else delta (|r| - 0.5 delta); continuous with its derivative at |r| = delta.</summary>
    public static double Value(double residual, double delta)
    {
        double abs = Math.Abs(residual);
        return abs <= delta ? 0.5 * residual * residual : delta * (abs - 0.5 * delta);
    }

    /// <summary>d/dr of <see cref="Value"/>: r within delta, else delta with the sign of r.</summary>
    public static double Derivative(double residual, double delta) =>
        Math.Abs(residual) <= delta ? residual : Math.CopySign(delta, residual);
}
