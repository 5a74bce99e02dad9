namespace LlmLab.Scaling;

/// <summary>
/// Approach 3 of Hoffmann et al. 2022 (section 3.3, appendix D.2): fit L(N, D) = E + A/N^alpha + B/D^beta to
/// training runs by minimising the Huber loss of log-loss residuals (<see cref="ChinchillaObjective"/>) with L-BFGS
/// from every start of their grid, keeping the best. The objective has many local minima and flat valleys (A and
/// alpha trade off against each other), which is why one start is not enough.
/// </summary>
public static class ChinchillaFitter
{
    /// <summary>The paper's start grid, each axis as printed: alpha and beta in {0, 0.5, ..., 2}, e in {-1, -0.5,
    /// ..., 1}, a and b in {0, 5, ..., 25}: 5 × 5 × 5 × 6 × 6 = 4,500 starts.</summary>
    private static readonly double[] Exponents = [0, 0.5, 1, 1.5, 2];
    private static readonly double[] LogE = [-1, -0.5, 0, 0.5, 1];
    private static readonly double[] LogCoefficients = [0, 5, 10, 15, 20, 25];

    /// <summary>
    /// Each start stops at a gradient this small, relative to delta: the objective and its gradient scale with
    /// delta (the Huber loss is linear beyond it), and a fit that recovers noise-free constants to about 1e-6 needs
    /// log-loss residuals of about 1e-12.
    /// </summary>
    private const double RelativeGradientTolerance = 1e-10;

    /// <summary>
    /// Fits the law to <paramref name="points"/> (at least five, one per parameter; N, D and loss positive) with
    /// Huber <paramref name="delta"/> (the paper's 1e-3 by default). Deterministic: the starts run in parallel but
    /// each is independent and the best is chosen in start order (alpha slowest, then beta, e, a, b; the first wins
    /// a tie), so the result does not depend on the thread count.
    /// </summary>
    public static ScalingFit Fit(IReadOnlyList<ScalingPoint> points, double delta = Huber.ChinchillaDelta) =>
        Fit(points, delta, new ParallelOptions());

    /// <summary><see cref="Fit(IReadOnlyList{ScalingPoint}, double)"/> with the parallelism set, for the tests
    /// that check one thread and many give the same bits.</summary>
    internal static ScalingFit Fit(IReadOnlyList<ScalingPoint> points, double delta, ParallelOptions parallel)
    {
        ScalingPoint.CheckAll(points, ChinchillaObjective.Dimension, "an Approach 3 fit (five parameters)");
        if (!(delta > 0) || !double.IsFinite(delta))
            throw new ArgumentException($"the Huber delta must be a positive finite number, got {delta.ToString(System.Globalization.CultureInfo.InvariantCulture)}");

        var objective = new ChinchillaObjective(points, delta);
        var starts = Starts();
        var options = new LbfgsOptions { GradientTolerance = RelativeGradientTolerance * delta, FunctionTolerance = 1e-13, MaxIterations = 1000 };
        var results = new LbfgsResult?[starts.Count];
        Parallel.For(0, starts.Count, parallel, i => results[i] = Run(objective, starts[i], options));

        LbfgsResult? best = null;
        foreach (var result in results)
            if (result is { } r && double.IsFinite(r.Value) && Lbfgs.AllFinite(r.X) && (best is null || r.Value < best.Value)) best = r;
        if (best is null) throw new ArgumentException($"the Approach 3 fit did not converge from any of the {starts.Count} starts");

        var x = best.X;
        return new ScalingFit(new ScalingLaw(E: Math.Exp(x[2]), A: Math.Exp(x[0]), B: Math.Exp(x[1]), Alpha: x[3], Beta: x[4]), best.Value, points.Count);
    }

    /// <summary>One start; null when the objective is not finite there (it always is for finite points, but a
    /// start that cannot be evaluated should lose, not end the fit).</summary>
    private static LbfgsResult? Run(ChinchillaObjective objective, double[] start, LbfgsOptions options)
    {
        var gradient = new double[ChinchillaObjective.Dimension];
        try
        {
            return Lbfgs.Minimize(theta => (objective.Evaluate(theta, gradient), gradient), start, options);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The grid as (a, b, e, alpha, beta) vectors in start order.</summary>
    internal static List<double[]> Starts()
    {
        var starts = new List<double[]>(Exponents.Length * Exponents.Length * LogE.Length * LogCoefficients.Length * LogCoefficients.Length);
        foreach (double alpha in Exponents)
            foreach (double beta in Exponents)
                foreach (double e in LogE)
                    foreach (double a in LogCoefficients)
                        foreach (double b in LogCoefficients)
                            starts.Add([a, b, e, alpha, beta]);
        return starts;
    }
}
