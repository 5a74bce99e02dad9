namespace LlmLab.Scaling;

/// <summary>
/// The line search of <see cref="Lbfgs"/>: a step t along d from x that satisfies the strong Wolfe conditions
/// f(x + t d) &lt;= f(x) + c1 t g·d and |g(x + t d)·d| &lt;= c2 |g·d| (Nocedal and Wright, Algorithm 3.5, which
/// brackets such a step by doubling, and Algorithm 3.6, which zooms into the bracket by safeguarded cubic
/// interpolation). Non-finite values count as too large, so a trial that overflows shortens the step. When the
/// bracket shrinks to rounding, the best step that lowered the value enough is taken without the curvature condition.
/// </summary>
internal sealed class LineSearch(Func<double[], (double Value, double[] Gradient)> objective, int dimension, LbfgsOptions options)
{
    private const int MaxTrials = 60;

    private readonly double[] _point = new double[dimension];
    private double[] _loGradient = new double[dimension];
    private double[] _trialGradient = new double[dimension];

    /// <summary>Objective evaluations so far, line-search trials and the start together.</summary>
    public int Evaluations { get; private set; }

    /// <summary>f at <paramref name="x"/>, its gradient copied into <paramref name="gradient"/>.</summary>
    public double Evaluate(double[] x, double[] gradient)
    {
        Evaluations++;
        var (value, g) = objective(x);
        if (g is null || g.Length != dimension)
            throw new ArgumentException($"L-BFGS: the objective returned a gradient of length {g?.Length ?? 0} for {dimension} variables");
        Array.Copy(g, gradient, dimension);
        return value;
    }

    /// <summary>
    /// Searches from (x, f, g) along <paramref name="d"/> with slope g·d &lt; 0, first trying step
    /// <paramref name="initial"/>. On success the accepted point, its gradient and value are in
    /// <paramref name="xOut"/>, <paramref name="gOut"/> and <paramref name="fOut"/>.
    /// </summary>
    public bool Run(double[] x, double f, double[] g, double[] d, double slope, double initial, double[] xOut, double[] gOut, out double fOut)
    {
        double c1 = options.SufficientDecrease, c2 = options.Curvature;
        Array.Copy(g, _loGradient, dimension);
        double previousStep = 0, previousValue = f, previousSlope = slope;
        double step = initial;
        for (int trial = 0; trial < MaxTrials; trial++)
        {
            double value = Trial(x, d, step, out double trialSlope);
            if (!double.IsFinite(value) || !double.IsFinite(trialSlope) || value > f + c1 * step * slope || (trial > 0 && value >= previousValue))
                return Zoom(x, f, slope, d, previousStep, previousValue, previousSlope, step, value, trialSlope, trial + 1, xOut, gOut, out fOut);
            if (Math.Abs(trialSlope) <= -c2 * slope) return Accept(x, d, step, value, _trialGradient, xOut, gOut, out fOut);
            if (trialSlope >= 0)
                return Zoom(x, f, slope, d, step, value, trialSlope, previousStep, previousValue, previousSlope, trial + 1, xOut, gOut, out fOut, loFromTrial: true);
            (_loGradient, _trialGradient) = (_trialGradient, _loGradient);
            (previousStep, previousValue, previousSlope) = (step, value, trialSlope);
            step *= 2;
        }
        return Fallback(x, previousStep, previousValue, d, xOut, gOut, out fOut);
    }

    /// <summary>
    /// Algorithm 3.6. lo is the best step so far that satisfies sufficient decrease (its gradient in _loGradient,
    /// or in _trialGradient when <paramref name="loFromTrial"/>); hi brackets a Wolfe step together with lo.
    /// </summary>
    private bool Zoom(double[] x, double f, double slope, double[] d, double lo, double loValue, double loSlope,
        double hi, double hiValue, double hiSlope, int trials, double[] xOut, double[] gOut, out double fOut, bool loFromTrial = false)
    {
        double c1 = options.SufficientDecrease, c2 = options.Curvature;
        if (loFromTrial) (_loGradient, _trialGradient) = (_trialGradient, _loGradient);
        for (; trials < MaxTrials; trials++)
        {
            double width = Math.Abs(hi - lo);
            if (width <= 1e-15 * Math.Max(Math.Abs(lo), Math.Abs(hi))) break;
            double step = Interpolate(lo, loValue, loSlope, hi, hiValue, hiSlope);
            double value = Trial(x, d, step, out double trialSlope);
            if (!double.IsFinite(value) || !double.IsFinite(trialSlope) || value > f + c1 * step * slope || value >= loValue)
            {
                (hi, hiValue, hiSlope) = (step, value, trialSlope);
                continue;
            }
            if (Math.Abs(trialSlope) <= -c2 * slope) return Accept(x, d, step, value, _trialGradient, xOut, gOut, out fOut);
            if (trialSlope * (hi - lo) >= 0) (hi, hiValue, hiSlope) = (lo, loValue, loSlope);
            (lo, loValue, loSlope) = (step, value, trialSlope);
            (_loGradient, _trialGradient) = (_trialGradient, _loGradient);
        }
        return Fallback(x, lo, loValue, d, xOut, gOut, out fOut);
    }

    /// <summary>The minimiser of the cubic through both ends' values and slopes, kept at least a tenth of the
    /// bracket away from either end; the midpoint when the cubic has no minimum there or an end is not finite.</summary>
    private static double Interpolate(double a0, double f0, double d0, double a1, double f1, double d1)
    {
        double lo = Math.Min(a0, a1), hi = Math.Max(a0, a1), margin = 0.1 * (hi - lo);
        double middle = 0.5 * (a0 + a1);
        double theta = d0 + d1 - 3 * (f0 - f1) / (a0 - a1);
        double discriminant = theta * theta - d0 * d1;
        if (!(discriminant >= 0) || !double.IsFinite(discriminant)) return middle;
        double root = Math.CopySign(Math.Sqrt(discriminant), a1 - a0);
        double step = a1 - (a1 - a0) * (d1 + root - theta) / (d1 - d0 + 2 * root);
        return double.IsFinite(step) && step >= lo + margin && step <= hi - margin ? step : middle;
    }

    private double Trial(double[] x, double[] d, double step, out double slope)
    {
        for (int i = 0; i < dimension; i++) _point[i] = x[i] + step * d[i];
        double value = Evaluate(_point, _trialGradient);
        slope = Lbfgs.Dot(_trialGradient, d);
        return value;
    }

    /// <summary>No Wolfe step found: the best step that lowered the value enough, if there is one (step 0 is none).</summary>
    private bool Fallback(double[] x, double step, double value, double[] d, double[] xOut, double[] gOut, out double fOut)
    {
        fOut = value;
        return step > 0 && Accept(x, d, step, value, _loGradient, xOut, gOut, out fOut);
    }

    private bool Accept(double[] x, double[] d, double step, double value, double[] gradient, double[] xOut, double[] gOut, out double fOut)
    {
        for (int i = 0; i < dimension; i++) xOut[i] = x[i] + step * d[i];
        Array.Copy(gradient, gOut, dimension);
        fOut = value;
        return true;
    }
}
