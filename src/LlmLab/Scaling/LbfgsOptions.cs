namespace LlmLab.Scaling;

/// <summary>
/// Settings of <see cref="Lbfgs.Minimize"/>. The defaults suit smooth problems of a few dozen variables; a caller
/// whose objective is tiny in scale (a Huber loss with a small delta) lowers <see cref="GradientTolerance"/> with it.
/// </summary>
public sealed record LbfgsOptions
{
    /// <summary>m: the number of (s, y) pairs kept for the inverse-Hessian approximation (Nocedal and Wright suggest 3 to 20).</summary>
    public int History { get; init; } = 10;

    /// <summary>Stop when the largest gradient component is at most this.</summary>
    public double GradientTolerance { get; init; } = 1e-8;

    /// <summary>Stop when an iteration lowers the value by at most this fraction of it (relative, so the scale of
    /// the objective does not matter).</summary>
    public double FunctionTolerance { get; init; } = 1e-12;

    /// <summary>Stop after this many iterations (line searches).</summary>
    public int MaxIterations { get; init; } = 1000;

    /// <summary>c1 of the sufficient-decrease (Armijo) condition.</summary>
    public double SufficientDecrease { get; init; } = 1e-4;

    /// <summary>c2 of the strong curvature condition; 0.9 is the usual choice for quasi-Newton methods.</summary>
    public double Curvature { get; init; } = 0.9;

    internal void Check()
    {
        if (History < 1) throw new ArgumentException($"L-BFGS history must be at least 1, got {History}");
        if (MaxIterations < 1) throw new ArgumentException($"L-BFGS needs at least one iteration, got {MaxIterations}");
        if (!(GradientTolerance >= 0) || !(FunctionTolerance >= 0))
            throw new ArgumentException("L-BFGS tolerances must be non-negative");
        if (!(SufficientDecrease > 0 && SufficientDecrease < Curvature && Curvature < 1))
            throw new ArgumentException($"L-BFGS line search needs 0 < c1 < c2 < 1, got c1 {SufficientDecrease}, c2 {Curvature}");
    }
}
