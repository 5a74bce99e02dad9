using LlmLab.Scaling;

namespace LlmLab.Tests.Scaling;

/// <summary>Training runs generated from a known law: the design of an IsoFLOP study, as a scaling fit sees it.</summary>
internal static class ScalingData
{
    /// <summary>Five budgets a decade apart, 1e18 to 1e22 FLOPs (Hoffmann et al.'s IsoFLOP range starts at 6e18).</summary>
    public static readonly double[] Budgets = [1e18, 1e19, 1e20, 1e21, 1e22];

    /// <summary>Five sizes per budget, a quarter to four times the law's optimum: each profile brackets its minimum.</summary>
    public static readonly double[] SizeFactors = [0.25, 0.5, 1, 2, 4];

    /// <summary>The laws the tests recover: Chinchilla's; a steeper model-size term (alpha 0.5, beta 0.3);
    /// and a larger irreducible loss (E 3), where the reducible part is a smaller share of the loss.</summary>
    public static readonly ScalingLaw[] Laws =
    [
        ScalingLaw.Chinchilla,
        new(E: 1.8, A: 1500, B: 900, Alpha: 0.5, Beta: 0.3),
        new(E: 3.0, A: 406.4, B: 410.7, Alpha: 0.34, Beta: 0.28),
    ];

    /// <summary>
    /// 25 runs: at each budget C, N = f · N_opt(C) for each size factor f and D = C / (6N), with loss
    /// <paramref name="law"/>'s L(N, D) times (1 + u) for u uniform in ±<paramref name="noise"/> (seeded).
    /// </summary>
    public static List<ScalingPoint> IsoFlopGrid(ScalingLaw law, double noise = 0, int seed = 0, bool withCompute = false)
    {
        var random = new System.Random(seed);
        var points = new List<ScalingPoint>();
        foreach (double c in Budgets)
        {
            double nOpt = law.ComputeOptimal(c).NOpt;
            foreach (double factor in SizeFactors)
            {
                double n = factor * nOpt, d = c / (6 * n);
                double loss = law.Loss(n, d) * (1 + noise * (2 * random.NextDouble() - 1));
                points.Add(new ScalingPoint(n, d, loss, withCompute ? c : null));
            }
        }
        return points;
    }
}
