using System.Globalization;

namespace LlmLab.Scaling;

/// <summary>
/// Approach 2 of Hoffmann et al. 2022 (section 3.2): train several sizes at each of a few fixed compute budgets
/// (IsoFLOP profiles), fit a parabola of final loss against ln N per budget, take its vertex as that budget's
/// optimal size, and fit power laws N_opt ∝ C^a and D_opt ∝ C^b through the vertices. Unlike Approach 3 it
/// assumes no form for the loss, only that each profile is bowl-shaped near its minimum.
/// </summary>
public static class IsoFlopFitter
{
    /// <summary>Runs whose compute differs by at most this fraction of the smallest in a group share a budget.</summary>
    public const double BudgetTolerance = 0.01;

    /// <summary>
    /// Fits <paramref name="points"/>: each run's compute is its C when given, else 6ND; sorted by compute, a run
    /// joins the budget of the run that opened it when within <see cref="BudgetTolerance"/> of it. Needs at least
    /// two budgets of at least three different sizes each, and every parabola to open upwards; with
    /// <paramref name="leaveOutUnbracketed"/> a budget whose parabola opens downwards (its runs do not bracket the best
    /// size) is left out and named in <see cref="IsoFlopFit.LeftOut"/> instead, as long as two budgets remain.
    /// </summary>
    public static IsoFlopFit Fit(IReadOnlyList<ScalingPoint> points, bool leaveOutUnbracketed = false)
    {
        ScalingPoint.CheckAll(points, 6, "an IsoFLOP fit (two budgets of three runs)");
        var budgets = new List<IsoFlopBudget>();
        var leftOut = new List<double>();
        foreach (var group in Group(points))
        {
            if (FitBudget(group) is { } budget) budgets.Add(budget);
            else if (leaveOutUnbracketed) leftOut.Add(group.Average(p => p.Compute));
            else throw Unbracketed(group.Average(p => p.Compute));
        }
        if (budgets.Count < 2 && leftOut.Count > 0)
            throw new ArgumentException($"an IsoFLOP fit needs at least 2 compute budgets whose runs bracket the best size, found {budgets.Count}; "
                + string.Join("; ", leftOut.Select(c => Unbracketed(c).Message)));
        if (budgets.Count < 2)
            throw new ArgumentException($"an IsoFLOP fit needs at least 2 compute budgets, found 1 (C = {Format(budgets[0].C)}); runs within 1% of each other's compute are one budget");

        var logC = budgets.Select(b => Math.Log(b.C)).ToArray();
        var (a, k) = Line(logC, [.. budgets.Select(b => Math.Log(b.NOpt))]);
        var (bExponent, kD) = Line(logC, [.. budgets.Select(b => Math.Log(b.DOpt))]);
        return new IsoFlopFit(budgets, a, k, bExponent, kD, points.Count) { LeftOut = leftOut };
    }

    /// <summary>The points grouped by compute, lowest budget first, each group in the points' order.</summary>
    private static List<List<ScalingPoint>> Group(IReadOnlyList<ScalingPoint> points)
    {
        var order = Enumerable.Range(0, points.Count).OrderBy(i => points[i].Compute).ThenBy(i => i).ToArray();
        var groups = new List<List<int>>();
        double opened = 0;
        foreach (int i in order)
        {
            double c = points[i].Compute;
            if (groups.Count == 0 || c > opened * (1 + BudgetTolerance))
            {
                groups.Add([]);
                opened = c;
            }
            groups[^1].Add(i);
        }
        return [.. groups.Select(g => g.Order().Select(i => points[i]).ToList())];
    }

    private static ArgumentException Unbracketed(double c) =>
        new($"the IsoFLOP parabola of budget C = {Format(c)} opens downwards (loss curves down in ln N), so it has no minimum; the runs do not bracket the best size");

    // The budget's parabola and vertex; null when the parabola opens downwards.
    private static IsoFlopBudget? FitBudget(List<ScalingPoint> group)
    {
        double c = group.Average(p => p.Compute);
        int sizes = group.Select(p => p.N).Distinct().Count();
        if (sizes < 3)
            throw new ArgumentException($"the IsoFLOP budget C = {Format(c)} has {group.Count} runs of {sizes} different sizes; a parabola needs at least 3 sizes");

        // Centred on the mean ln N, so the normal equations stay well conditioned (ln N is about 20).
        double centre = group.Average(p => Math.Log(p.N));
        Span<double> moments = stackalloc double[5];
        Span<double> targets = stackalloc double[3];
        foreach (var p in group)
        {
            double u = Math.Log(p.N) - centre, power = 1;
            for (int k = 0; k < 5; k++, power *= u) moments[k] += power;
            targets[0] += p.Loss;
            targets[1] += p.Loss * u;
            targets[2] += p.Loss * u * u;
        }
        var (q0, q1, q2) = Solve3(moments, targets);
        if (!(q2 > 0)) return null;

        double nOpt = Math.Exp(centre - q1 / (2 * q2));
        // Back from u = x - centre to x = ln N.
        var parabola = new IsoFlopParabola(q0 - q1 * centre + q2 * centre * centre, q1 - 2 * q2 * centre, q2);
        return new IsoFlopBudget(c, nOpt, c / (6 * nOpt), parabola, group.Count);
    }

    /// <summary>The normal equations [m0 m1 m2; m1 m2 m3; m2 m3 m4] q = t by Cramer's rule (3 × 3, positive definite
    /// when there are three distinct sizes).</summary>
    private static (double Q0, double Q1, double Q2) Solve3(ReadOnlySpan<double> m, ReadOnlySpan<double> t)
    {
        double Det(double a, double b, double c, double d, double e, double f, double g, double h, double i) =>
            a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
        double det = Det(m[0], m[1], m[2], m[1], m[2], m[3], m[2], m[3], m[4]);
        return (Det(t[0], m[1], m[2], t[1], m[2], m[3], t[2], m[3], m[4]) / det,
                Det(m[0], t[0], m[2], m[1], t[1], m[3], m[2], t[2], m[4]) / det,
                Det(m[0], m[1], t[0], m[1], m[2], t[1], m[2], m[3], t[2]) / det);
    }

    /// <summary>Least-squares slope and intercept of y against x.</summary>
    private static (double Slope, double Intercept) Line(double[] x, double[] y)
    {
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0;
        for (int i = 0; i < x.Length; i++)
        {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
        }
        double slope = sxy / sxx;
        return (slope, my - slope * mx);
    }

    private static string Format(double c) => c.ToString("G4", CultureInfo.InvariantCulture);
}
