namespace LlmLab.Scaling;

/// <summary>
/// The result of Hoffmann et al.'s Approach 2 (<see cref="IsoFlopFitter.Fit"/>): each budget's optimum, and the
/// least-squares lines ln N_opt = a ln C + k and ln D_opt = b ln C + k' through them. Because D_opt = C / (6 N_opt)
/// at every budget, a + b = 1 up to rounding.
/// </summary>
public sealed record IsoFlopFit(IReadOnlyList<IsoFlopBudget> Budgets, double ExponentA, double LogNIntercept, double ExponentB, double LogDIntercept, int Points)
{
    /// <summary>Budgets whose parabola opened downwards and were left out (only when the fit was asked to).</summary>
    public IReadOnlyList<double> LeftOut { get; init; } = [];

    /// <summary>The fitted lines at <paramref name="flops"/>: (N_opt, D_opt), extrapolated beyond the budgets fitted.</summary>
    public (double NOpt, double DOpt) ComputeOptimal(double flops)
    {
        if (!(flops > 0) || !double.IsFinite(flops))
            throw new ArgumentException($"compute must be a positive finite number of FLOPs, got {flops.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        double logC = Math.Log(flops);
        return (Math.Exp(LogNIntercept + ExponentA * logC), Math.Exp(LogDIntercept + ExponentB * logC));
    }
}
