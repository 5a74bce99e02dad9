using LlmLab.Scaling;

namespace LlmLab.Tests.Scaling;

/// <summary>Approach 2: IsoFLOP parabolas and power laws through their vertices, and its refusals.</summary>
public class IsoFlopFitterTests
{
    [Fact]
    public void Exponents_of_the_generating_law_are_recovered()
    {
        // At budget C the law's loss along C = 6ND is E + K(C) (e^(-alpha u)/alpha + e^(beta u)/beta) with
        // u = ln(N / N_opt(C)): the same curve in u at every budget, scaled by K(C). The runs sit at the same u
        // (factors 1/4 to 4 of N_opt), so each parabola's vertex is off N_opt(C) by the same factor (the curve is
        // not symmetric), and the slopes a and b through the vertices are exact up to rounding.
        foreach (var law in ScalingData.Laws)
        {
            var fit = IsoFlopFitter.Fit(ScalingData.IsoFlopGrid(law));
            Assert.Equal(law.ExponentA, fit.ExponentA, 1e-9);
            Assert.Equal(law.ExponentB, fit.ExponentB, 1e-9);
            Assert.Equal(1, fit.ExponentA + fit.ExponentB, 1e-12);
            Assert.Equal(5, fit.Budgets.Count);
            Assert.Equal(25, fit.Points);
            foreach (var budget in fit.Budgets)
            {
                Assert.Equal(5, budget.Points);
                Assert.Equal(budget.C, 6 * budget.NOpt * budget.DOpt, budget.C * 1e-12);
                // The vertex is near the true optimum (the parabola's bias is a few percent at most here)...
                Assert.InRange(budget.NOpt / law.ComputeOptimal(budget.C).NOpt, 0.9, 1.1);
                // ...and the parabola passes near the runs.
                Assert.Equal(law.Loss(budget.NOpt, budget.DOpt), budget.Parabola.Loss(budget.NOpt), 0.01);
            }
            var (n, _) = fit.ComputeOptimal(1e21);
            Assert.Equal(fit.Budgets[3].NOpt, n, n * 1e-9);
        }
    }

    [Fact]
    public void Compute_column_groups_runs_within_one_percent()
    {
        // Runs planned at 1e20 whose measured compute wanders by up to 0.8% still form one budget; 6ND would too,
        // but the C column is what is grouped when given.
        var law = ScalingLaw.Chinchilla;
        var points = ScalingData.IsoFlopGrid(law, withCompute: true)
            .Select((p, i) => p with { C = p.C * (1 + 0.002 * (i % 5)) }).ToList();
        var fit = IsoFlopFitter.Fit(points);
        Assert.Equal(5, fit.Budgets.Count);
        Assert.All(fit.Budgets, b => Assert.Equal(5, b.Points));
        Assert.Equal(1.004e20, fit.Budgets[2].C, 1e20 * 1e-12); // the mean of the group's C
    }

    [Fact]
    public void A_budget_whose_loss_curves_down_is_refused()
    {
        // The law's IsoFLOP curves are sums of exponentials in ln N, always convex; real runs need not be. At 1e19
        // the middle size did worst (a run that went wrong, say): the parabola has a maximum, not a minimum, and
        // the error names the budget.
        var law = ScalingLaw.Chinchilla;
        var points = ScalingData.IsoFlopGrid(law).Where(p => Math.Abs(p.Compute / 1e19 - 1) > 0.01).ToList();
        double nOpt = law.ComputeOptimal(1e19).NOpt;
        foreach (var (factor, loss) in new[] { (0.5, 3.0), (1.0, 3.2), (2.0, 3.0) })
            points.Add(new ScalingPoint(factor * nOpt, 1e19 / (6 * factor * nOpt), loss));
        var e = Assert.Throws<ArgumentException>(() => IsoFlopFitter.Fit(points));
        Assert.Contains("C = 1E+19 opens downwards", e.Message);

        // Asked to, the fit leaves that budget out, names it, and recovers the law's exponent from the others.
        var fit = IsoFlopFitter.Fit(points, leaveOutUnbracketed: true);
        Assert.Equal(1e19, Assert.Single(fit.LeftOut), 6);
        Assert.DoesNotContain(fit.Budgets, b => Math.Abs(b.C / 1e19 - 1) < 0.01);
        Assert.Equal(law.ExponentA, fit.ExponentA, 6);
    }

    [Fact]
    public void Too_few_runs_or_budgets_are_refused()
    {
        var points = ScalingData.IsoFlopGrid(ScalingLaw.Chinchilla);
        var e = Assert.Throws<ArgumentException>(() => IsoFlopFitter.Fit([.. points.Take(5), .. points.Skip(5).Take(2)]));
        Assert.Contains("C = 1E+19 has 2 runs of 2 different sizes", e.Message);
        e = Assert.Throws<ArgumentException>(() => IsoFlopFitter.Fit([.. points.Take(5), points[0], points[1]]));
        Assert.Contains("at least 2 compute budgets, found 1 (C = 1E+18)", e.Message);
        e = Assert.Throws<ArgumentException>(() => IsoFlopFitter.Fit(points.Take(5).ToList()));
        Assert.Contains("at least 6 points, got 5", e.Message);
    }
}
