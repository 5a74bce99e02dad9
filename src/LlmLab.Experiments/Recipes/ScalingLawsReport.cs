using System.Globalization;
using LlmLab.Scaling;

namespace LlmLab.Experiments;

/// <summary>
/// The scaling-laws report: the runs (6ND beside the exact count of Hoffmann et al.'s appendix F), Approach 2 (a
/// parabola in log N per budget, its minimum, the exponents of N_opt and D_opt against C) and Approach 3 (the
/// parametric loss fitted by L-BFGS on a Huber loss), both beside Chinchilla's published figures; the IsoFLOP
/// curves, the loss against N and D with the fitted law, the compute-optimal frontier; and sentences that say how
/// far a fit over so few and so small runs can be trusted.
/// </summary>
internal static class ScalingLawsReport
{
    // Hoffmann et al. 2022, table 2: N_opt ∝ C^a, D_opt ∝ C^b by each approach.
    private const double ChinchillaA2 = 0.49, ChinchillaB2 = 0.51;

    public static void Write(ExperimentContext context, ScalingLawsConfig config, int vocabulary, IReadOnlyList<ScalingResult> results)
    {
        context.Table("runs", ["budget (6ND)", "shape", "N (non-embedding)", "D (tokens)", "tokens a parameter", "6ND", "exact (appendix F)", "validation loss (nats/char)"],
            results.Select(r => (IReadOnlyList<object?>)[r.Run.Budget, r.Run.Shape.ToString(), r.Run.NonEmbedding, r.Run.Tokens,
                r.Run.TokensPerParameter, r.Run.Flops, ExactFlops(r.Run, config, vocabulary), r.Loss]),
            ExactSentence(results, config, vocabulary));

        context.Table("Timings: runs", ["run", "seconds", "tokens a second"],
            results.Select(r => (IReadOnlyList<object?>)[r.Run.Name, r.Seconds, r.Run.Tokens / Math.Max(r.Seconds, 1e-9)]),
            FormattableString.Invariant($"{results.Count} runs took {results.Sum(r => r.Seconds) / 60:F1} min on this machine."));
        var points = results.Select(r => new ScalingPoint(r.Run.NonEmbedding, r.Run.Tokens, r.Loss, r.Run.Budget)).ToArray();
        IsoFlopFit? isoFlop = null;
        try
        {
            isoFlop = IsoFlopFitter.Fit(points, leaveOutUnbracketed: true);
        }
        catch (ArgumentException e)
        {
            context.Table("Approach 2: IsoFLOP parabolas", ["", "value"], [["runs", points.Length]], $"No fit: {e.Message}.");
        }
        if (isoFlop is not null) IsoFlopTable(context, results, isoFlop);
        ScalingFit fit;
        try
        {
            fit = ChinchillaFitter.Fit(points);
        }
        catch (ArgumentException e)
        {
            context.Table("Approach 3: L(N, D) = E + A / N^alpha + B / D^beta", ["", "value"], [["runs", points.Length]], $"No fit: {e.Message}.");
            return;
        }
        var law = fit.Law;
        context.Table("Approach 3: L(N, D) = E + A / N^alpha + B / D^beta",
            ["", "E", "A", "B", "alpha", "beta", "a (N_opt ∝ C^a)", "b (D_opt ∝ C^b)", "Huber loss"],
            [["this sweep", law.E, law.A, law.B, law.Alpha, law.Beta, law.ExponentA, law.ExponentB, fit.HuberLoss],
             ["Chinchilla (Hoffmann et al. 2022)", ScalingLaw.Chinchilla.E, ScalingLaw.Chinchilla.A, ScalingLaw.Chinchilla.B, ScalingLaw.Chinchilla.Alpha,
                 ScalingLaw.Chinchilla.Beta, ScalingLaw.Chinchilla.ExponentA, ScalingLaw.Chinchilla.ExponentB, null]],
            Approach3Sentence(law, points));
        context.Summary("approach 3 alpha", law.Alpha);
        context.Summary("approach 3 beta", law.Beta);
        context.Summary("approach 3 E", law.E);
        context.Summary("approach 3 a", law.ExponentA);

        Plots(context, results, isoFlop, law);
        context.Table("how far to trust it", ["", "value"], TrustRows(results, isoFlop, law), TrustSentence(results, isoFlop, law));
    }

    private static double ExactFlops(ScalingRun run, ScalingLawsConfig config, int vocabulary) =>
        (double)TransformerFlops.Training(new TransformerShape(run.Shape.Layers, run.Shape.Width, run.Shape.Heads, run.Shape.HeadSize,
            4 * run.Shape.Width, vocabulary, config.Context), includeEmbeddings: false) * run.Steps * config.BatchSize;

    private static string ExactSentence(IReadOnlyList<ScalingResult> results, ScalingLawsConfig config, int vocabulary)
    {
        var ratios = results.Select(r => ExactFlops(r.Run, config, vocabulary) / r.Run.Flops).ToArray();
        return FormattableString.Invariant(
            $"The exact count (attention over the {config.Context}-character context and the output logits over {vocabulary} characters included, embedding lookups not) is {ratios.Min():F2} to {ratios.Max():F2} times 6ND: at this scale the logits and attention, which 6ND leaves out, are a large share of the work, most for the narrowest models.");
    }

    private static void IsoFlopTable(ExperimentContext context, IReadOnlyList<ScalingResult> results, IsoFlopFit fit)
    {
        bool Inside(IsoFlopBudget b)
        {
            var runs = results.Where(r => SameBudget(r.Run.Budget, b.C)).ToArray();
            return runs.Length > 0 && b.NOpt >= runs.Min(r => r.Run.NonEmbedding) && b.NOpt <= runs.Max(r => r.Run.NonEmbedding);
        }
        int extrapolated = fit.Budgets.Count(b => !Inside(b));
        context.Table("Approach 2: IsoFLOP parabolas", ["budget (6ND)", "runs", "N_opt", "D_opt", "tokens a parameter", "N_opt inside the runs' range"],
            fit.Budgets.Select(b => (IReadOnlyList<object?>)[b.C, b.Points, b.NOpt, b.DOpt, b.DOpt / b.NOpt, Inside(b) ? "yes" : "no (extrapolated)"]),
            FormattableString.Invariant(
                $"A parabola in log N through each budget's runs puts its best size at N_opt; across the budgets N_opt grows as C^{fit.ExponentA:F2} and D_opt as C^{fit.ExponentB:F2} (Chinchilla's Approach 2: C^{ChinchillaA2:F2} and C^{ChinchillaB2:F2}), so ")
            + (fit.ExponentA > fit.ExponentB
                ? "here more compute should go into parameters than into tokens."
                : fit.ExponentA < fit.ExponentB - 0.1
                    ? "here more compute should go into tokens than into parameters."
                    : "parameters and tokens should grow about equally, as Chinchilla found.")
            + (fit.LeftOut.Count == 0 ? "" : FormattableString.Invariant(
                $" Left out: the budget{(fit.LeftOut.Count > 1 ? "s" : "")} {string.Join(", ", fit.LeftOut.Select(Budget))}, whose runs do not bracket the best size (the loss curves down in log N)."))
            + (extrapolated == 0 ? "" : FormattableString.Invariant(
                $" {extrapolated} of {fit.Budgets.Count} optima lie outside their budget's sizes, where a parabola is a guess: more sizes on that side would pin them down.")));
        context.Summary("approach 2 a", fit.ExponentA);
        context.Summary("approach 2 b", fit.ExponentB);
    }

    private static string Approach3Sentence(ScalingLaw law, ScalingPoint[] points)
    {
        double rms = Math.Sqrt(points.Average(p => Math.Pow(Math.Log(law.Loss(p.N, p.D)) - Math.Log(p.Loss), 2)));
        return FormattableString.Invariant(
            $"L-BFGS from 4,500 starting points on the Huber loss (δ 10⁻³) of log L finds E {law.E:F2}, alpha {law.Alpha:F2} and beta {law.Beta:F2} (Chinchilla: 1.69, 0.34, 0.28); the law misses the runs by {100 * (Math.Exp(rms) - 1):F1}% of the loss (root mean square). ")
            + (law.Alpha > law.Beta
                ? FormattableString.Invariant($"Alpha above beta: the parameter term shrinks faster, so extra compute is better spent on data: D_opt grows as C^{law.ExponentB:F2}, N_opt only as C^{law.ExponentA:F2}.")
                : FormattableString.Invariant($"Beta above alpha: the data term shrinks faster, so extra compute is better spent on parameters: N_opt grows as C^{law.ExponentA:F2}, D_opt only as C^{law.ExponentB:F2}."));
    }

    private static void Plots(ExperimentContext context, IReadOnlyList<ScalingResult> results, IsoFlopFit? isoFlop, ScalingLaw law)
    {
        var byBudget = results.GroupBy(r => r.Run.Budget).OrderBy(g => g.Key).ToArray();
        var curves = new List<PlotSeries>();
        foreach (var budget in byBudget)
        {
            var runs = budget.OrderBy(r => r.Run.NonEmbedding).ToArray();
            curves.Add(new PlotSeries($"C = {Budget(budget.Key)}", [.. runs.Select(r => Math.Log10(r.Run.NonEmbedding))], [.. runs.Select(r => r.Loss)]));
            if (isoFlop?.Budgets.FirstOrDefault(b => SameBudget(b.C, budget.Key)) is { } fitted)
            {
                double[] x = Span(Math.Log10(runs[0].Run.NonEmbedding), Math.Log10(runs[^1].Run.NonEmbedding));
                curves.Add(new PlotSeries($"parabola, {Budget(budget.Key)}", x, [.. x.Select(v => fitted.Parabola.Loss(Math.Pow(10, v)))]));
            }
        }
        context.Plot("isoflop-curves", "IsoFLOP curves with Approach 2's parabolas", "log10 N (non-embedding parameters)",
            "validation loss (nats/char)", curves);

        var againstN = new List<PlotSeries>();
        var againstD = new List<PlotSeries>();
        foreach (var budget in byBudget)
        {
            var runs = budget.OrderBy(r => r.Run.NonEmbedding).ToArray();
            againstN.Add(new PlotSeries($"runs, {Budget(budget.Key)}", [.. runs.Select(r => Math.Log10(r.Run.NonEmbedding))], [.. runs.Select(r => r.Loss)]));
            againstD.Add(new PlotSeries($"runs, {Budget(budget.Key)}", [.. runs.Select(r => Math.Log10(r.Run.Tokens))], [.. runs.Select(r => r.Loss)]));
            double[] x = Span(Math.Log10(runs[0].Run.NonEmbedding), Math.Log10(runs[^1].Run.NonEmbedding));
            againstN.Add(new PlotSeries($"law, {Budget(budget.Key)}", x, [.. x.Select(v => law.Loss(Math.Pow(10, v), budget.Key / (6 * Math.Pow(10, v))))]));
            againstD.Add(new PlotSeries($"law, {Budget(budget.Key)}", [.. x.Select(v => Math.Log10(budget.Key / (6 * Math.Pow(10, v))))],
                [.. x.Select(v => law.Loss(Math.Pow(10, v), budget.Key / (6 * Math.Pow(10, v))))]));
        }
        context.Plot("loss-vs-n", "Final loss against N, with Approach 3's fitted law along each budget", "log10 N", "validation loss (nats/char)", againstN);
        context.Plot("loss-vs-d", "Final loss against D, with Approach 3's fitted law along each budget", "log10 D (tokens)", "validation loss (nats/char)", againstD);

        double low = Math.Log10(byBudget[0].Key) - 1, high = Math.Log10(byBudget[^1].Key) + 1;
        double[] c = Span(low, high);
        var frontier = new List<PlotSeries>
        {
            new("Approach 3, this sweep", c, [.. c.Select(v => Math.Log10(law.ComputeOptimal(Math.Pow(10, v)).NOpt))]),
            new("Chinchilla's law", c, [.. c.Select(v => Math.Log10(ScalingLaw.Chinchilla.ComputeOptimal(Math.Pow(10, v)).NOpt))]),
        };
        if (isoFlop is not null)
        {
            frontier.Insert(0, new PlotSeries("Approach 2, per budget", [.. isoFlop.Budgets.Select(b => Math.Log10(b.C))], [.. isoFlop.Budgets.Select(b => Math.Log10(b.NOpt))]));
            frontier.Insert(1, new PlotSeries("Approach 2, fitted line", c, [.. c.Select(v => Math.Log10(isoFlop.ComputeOptimal(Math.Pow(10, v)).NOpt))]));
        }
        context.Plot("compute-optimal-frontier", "The compute-optimal model size against compute", "log10 C (FLOPs, 6ND)", "log10 N_opt", frontier);
    }

    private static IEnumerable<IReadOnlyList<object?>> TrustRows(IReadOnlyList<ScalingResult> results, IsoFlopFit? isoFlop, ScalingLaw law)
    {
        double decades = Math.Log10(results.Max(r => r.Run.Budget) / results.Min(r => r.Run.Budget));
        yield return ["runs", results.Count];
        yield return ["decades of compute spanned", decades];
        yield return ["largest budget (FLOPs)", results.Max(r => r.Run.Budget)];
        if (isoFlop is not null) yield return ["a by Approach 2 minus a by Approach 3", isoFlop.ExponentA - law.ExponentA];
        double reach = 1e21;
        yield return ["N_opt at 1e21 FLOPs, this sweep's law", law.ComputeOptimal(reach).NOpt];
        yield return ["N_opt at 1e21 FLOPs, Chinchilla's law", ScalingLaw.Chinchilla.ComputeOptimal(reach).NOpt];
    }

    private static string TrustSentence(IReadOnlyList<ScalingResult> results, IsoFlopFit? isoFlop, ScalingLaw law)
    {
        double largest = results.Max(r => r.Run.Budget), smallest = results.Min(r => r.Run.Budget);
        double ratio = law.ComputeOptimal(1e21).NOpt / ScalingLaw.Chinchilla.ComputeOptimal(1e21).NOpt;
        string agreement = isoFlop is null
            ? "Approach 2 could not be fitted, so there is no second estimate to check Approach 3 against."
            : Math.Abs(isoFlop.ExponentA - law.ExponentA) <= 0.1
                ? FormattableString.Invariant($"The two approaches agree on the exponent a to {Math.Abs(isoFlop.ExponentA - law.ExponentA):F2}, which is some evidence the trend is real.")
                : FormattableString.Invariant($"The two approaches disagree on the exponent a by {Math.Abs(isoFlop.ExponentA - law.ExponentA):F2}: the data do not pin it down.");
        return FormattableString.Invariant(
            $"These {results.Count} runs span {Math.Log10(largest / smallest):F1} decades of compute, {Budget(largest)} FLOPs at most; Hoffmann et al.'s IsoFLOP runs spanned 6×10¹⁸ to 3×10²¹ FLOPs, with over 400 models in all. ")
            + agreement
            + FormattableString.Invariant(
                $" Carried to 10²¹ FLOPs this sweep's law asks for {ratio:G2} times Chinchilla's model size: {Math.Log10(1e21 / largest):F0} decades of extrapolation from models of thousands of parameters reading characters of a templated corpus, whose entropy E and difficulty differ from web text's, so read the exponents as a demonstration of the method, not as a forecast.");
    }

    private static double[] Span(double low, double high, int count = 40) =>
        [.. Enumerable.Range(0, count).Select(i => low + (high - low) * i / (count - 1))];

    // The fitter's own rule for runs of one budget.
    private static bool SameBudget(double a, double b) => Math.Abs(a - b) <= IsoFlopFitter.BudgetTolerance * Math.Min(a, b);

    private static string Budget(double c) => c.ToString("0.#e0", CultureInfo.InvariantCulture).Replace("e+", "e", StringComparison.Ordinal);
}
