namespace LlmLab.Scaling;

/// <summary>
/// Limited-memory BFGS (Nocedal and Wright, Numerical Optimization, 2nd ed., Algorithms 7.4 and 7.5): the inverse
/// Hessian is approximated from the last m steps and gradient changes, each step found by a line search for the
/// strong Wolfe conditions (Algorithms 3.5 and 3.6, cubic interpolation in the zoom). It needs only values and
/// gradients, which suits small smooth fits such as a scaling law's five parameters. Deterministic: the same
/// objective and start give the same bits.
/// </summary>
public static class Lbfgs
{
    private static readonly LbfgsOptions Defaults = new();

    /// <summary>
    /// Minimises <paramref name="objective"/> (value and gradient at a point) from <paramref name="start"/>. The
    /// objective may return the same gradient array every call: it is copied. Stops at a small gradient, a small
    /// relative decrease, the iteration limit, or when no step lowers the value any more.
    /// </summary>
    public static LbfgsResult Minimize(Func<double[], (double Value, double[] Gradient)> objective, double[] start, LbfgsOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(start);
        options ??= Defaults;
        options.Check();
        int n = start.Length;
        if (n == 0) throw new ArgumentException("L-BFGS needs at least one variable");

        var search = new LineSearch(objective, n, options);
        var x = (double[])start.Clone();
        var g = new double[n];
        double f = search.Evaluate(x, g);
        if (!double.IsFinite(f) || !AllFinite(g))
            throw new ArgumentException("L-BFGS: the objective or its gradient is not finite at the start");

        var history = new PairHistory(options.History, n);
        var direction = new double[n];
        var xNext = new double[n];
        var gNext = new double[n];
        int iterations = 0;
        while (true)
        {
            if (NormInf(g) <= options.GradientTolerance) return Result(LbfgsStop.Gradient);
            if (iterations == options.MaxIterations) return Result(LbfgsStop.MaxIterations);

            double slope = history.Count > 0 ? history.Direction(g, direction) : 0;
            double fNext = f;
            bool accepted = slope < 0 && search.Run(x, f, g, direction, slope, 1, xNext, gNext, out fNext);
            if (!accepted)
            {
                // No pairs yet, a direction that does not descend (rounding), or a failed search: steepest descent
                // with a first trial step of length 1, and the memory cleared.
                history.Clear();
                for (int i = 0; i < n; i++) direction[i] = -g[i];
                slope = -Dot(g, g);
                accepted = search.Run(x, f, g, direction, slope, 1 / Math.Sqrt(-slope), xNext, gNext, out fNext);
                if (!accepted) return Result(LbfgsStop.LineSearchFailed);
            }

            iterations++;
            history.Add(x, xNext, g, gNext);
            double previous = f;
            (x, xNext, g, gNext, f) = (xNext, x, gNext, g, fNext);
            bool stalled = previous - f <= options.FunctionTolerance * Math.Max(Math.Abs(previous), Math.Abs(f));
            if (stalled && NormInf(g) > options.GradientTolerance) return Result(LbfgsStop.FunctionChange);
        }

        LbfgsResult Result(LbfgsStop stop) =>
            new((double[])x.Clone(), f, (double[])g.Clone(), iterations, search.Evaluations, stop);
    }

    internal static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    private static double NormInf(ReadOnlySpan<double> v)
    {
        double max = 0;
        foreach (double e in v) max = Math.Max(max, Math.Abs(e));
        return max;
    }

    internal static bool AllFinite(ReadOnlySpan<double> v)
    {
        foreach (double e in v)
            if (!double.IsFinite(e)) return false;
        return true;
    }
}
