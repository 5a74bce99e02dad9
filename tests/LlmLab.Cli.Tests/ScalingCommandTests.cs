using System.Globalization;
using System.Text;
using System.Text.Json;
using LlmLab.Cli.Scaling;
using LlmLab.Scaling;

namespace LlmLab.Cli.Tests;

/// <summary>
/// <c>llmlab scaling fit</c> and <c>plan</c> on runs generated from a known law: the JSON's exact form and values,
/// the tables' fields, Approach 2, and plans from Chinchilla's law and from a fit file.
/// </summary>
public class ScalingCommandTests
{
    private static readonly ScalingLaw Law = new(E: 1.8, A: 1500, B: 900, Alpha: 0.5, Beta: 0.3);

    /// <summary>25 noise-free runs, five sizes (1/4 to 4 times the optimum) at each of five budgets 1e18..1e22,
    /// written with round-trip doubles; columns in another order and case than the usual, to show both are free.</summary>
    internal static string RunsFile(TempFolder temp, ScalingLaw law, bool withCompute = false, string name = "runs.csv")
    {
        var csv = new StringBuilder(withCompute ? "Loss,n,D,c\n" : "Loss,n,D\n");
        foreach (double c in new[] { 1e18, 1e19, 1e20, 1e21, 1e22 })
            foreach (double factor in new[] { 0.25, 0.5, 1, 2, 4 })
            {
                double n = factor * law.ComputeOptimal(c).NOpt, d = c / (6 * n);
                csv.Append(CultureInfo.InvariantCulture, $"{law.Loss(n, d):R},{n:R},{d:R}");
                csv.Append(withCompute ? string.Create(CultureInfo.InvariantCulture, $",{c:R}\n") : "\n");
            }
        return temp.Write(name, csv.ToString());
    }

    [Fact]
    public void Fit_json_is_one_line_of_the_documented_keys()
    {
        using var temp = new TempFolder();
        var r = CliResult.Run("scaling", "fit", "--input", RunsFile(temp, Law), "--format", "json").Succeeds();
        Assert.Matches("""^\{"E":[-0-9.E+]+,"A":[-0-9.E+]+,"B":[-0-9.E+]+,"alpha":[-0-9.E+]+,"beta":[-0-9.E+]+,"huber_loss":[-0-9.E+]+,"points":25\}\n$""", r.Out);

        var json = JsonDocument.Parse(r.Out).RootElement;
        Assert.Equal(Law.E, json.GetProperty("E").GetDouble(), 1e-9);
        Assert.Equal(Law.A, json.GetProperty("A").GetDouble(), 1e-6);
        Assert.Equal(Law.B, json.GetProperty("B").GetDouble(), 1e-6);
        Assert.Equal(Law.Alpha, json.GetProperty("alpha").GetDouble(), 1e-9);
        Assert.Equal(Law.Beta, json.GetProperty("beta").GetDouble(), 1e-9);

        // The numbers are the library's fit to the last bit: shortest round-trip form, invariant culture.
        var fit = ChinchillaFitter.Fit(PointsFile.Read(Path.Combine(temp.Path, "runs.csv")));
        string expected = string.Create(CultureInfo.InvariantCulture,
            $$"""{"E":{{fit.Law.E:R}},"A":{{fit.Law.A:R}},"B":{{fit.Law.B:R}},"alpha":{{fit.Law.Alpha:R}},"beta":{{fit.Law.Beta:R}},"huber_loss":{{fit.HuberLoss:R}},"points":25}""");
        Assert.Equal(expected + "\n", r.Out);
    }

    [Fact]
    public void Fit_table_shows_the_constants_exponents_and_chinchillas_values()
    {
        using var temp = new TempFolder();
        var r = CliResult.Run("scaling", "fit", "--input", RunsFile(temp, Law)).Succeeds();
        foreach (string field in (string[])["Approach 3 fit of 25 runs", "E", "A", "B", "alpha", "beta", "a: N_opt ~ C^a", "b: D_opt ~ C^b", "huber_loss", "points", "Chinchilla"])
            Assert.Contains(field, r.Out);
        Assert.Matches(@"alpha\s+0\.5\s+0\.34", r.Out);            // fitted, then Chinchilla's
        Assert.Matches(@"a: N_opt ~ C\^a\s+0\.375\s+0\.45161", r.Out); // beta/(alpha+beta) = 0.3/0.8
        Assert.Matches(@"E\s+1\.8\s+1\.69", r.Out);
    }

    [Fact]
    public void Approach_2_gives_each_budget_and_the_exponents()
    {
        using var temp = new TempFolder();
        string runs = RunsFile(temp, Law, withCompute: true);
        var json = JsonDocument.Parse(CliResult.Run("scaling", "fit", "--input", runs, "--approach", "2", "--format", "json").Succeeds().Out).RootElement;
        Assert.Equal(["budgets", "a", "b", "points"], json.EnumerateObject().Select(p => p.Name));
        var budgets = json.GetProperty("budgets").EnumerateArray().ToArray();
        Assert.Equal(5, budgets.Length);
        Assert.Equal(["C", "N_opt", "D_opt"], budgets[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal(1e18, budgets[0].GetProperty("C").GetDouble(), 1e18 * 1e-12);
        Assert.Equal(Law.ExponentA, json.GetProperty("a").GetDouble(), 1e-9);
        Assert.Equal(Law.ExponentB, json.GetProperty("b").GetDouble(), 1e-9);
        Assert.Equal(25, json.GetProperty("points").GetInt32());

        var table = CliResult.Run("scaling", "fit", "--input", runs, "--approach", "2").Succeeds().Out;
        foreach (string field in (string[])["Approach 2 (IsoFLOP) fit of 25 runs", "C (FLOPs)", "N_opt", "D_opt", "tokens/parameter", "1E+22", "a: N_opt ~ C^a"])
            Assert.Contains(field, table);
        Assert.Matches(@"a: N_opt ~ C\^a\s+0\.375\s+0\.45161", table);
    }

    [Fact]
    public void Plan_uses_chinchillas_published_fit_by_default()
    {
        var r = CliResult.Run("scaling", "plan", "--flops", "5.76e23").Succeeds();
        Assert.Contains("Chinchilla's published fit", r.Out);
        Assert.Matches(@"N_opt \(parameters\)\s+3\.219E\+10", r.Out);
        Assert.Matches(@"D_opt \(tokens\)\s+2\.9823E\+12", r.Out);
        Assert.Matches(@"tokens per parameter\s+92\.647", r.Out);

        var json = JsonDocument.Parse(CliResult.Run("scaling", "plan", "--flops", "1e21", "--format", "json").Succeeds().Out).RootElement;
        var (n, d) = ScalingLaw.Chinchilla.ComputeOptimal(1e21);
        Assert.Equal(n, json.GetProperty("N_opt").GetDouble());
        Assert.Equal(d, json.GetProperty("D_opt").GetDouble());
        Assert.Equal(d / n, json.GetProperty("tokens_per_parameter").GetDouble());
        Assert.Equal(ScalingLaw.Chinchilla.Loss(n, d), json.GetProperty("loss").GetDouble());
    }

    [Fact]
    public void Plan_reads_the_fit_that_fit_wrote()
    {
        using var temp = new TempFolder();
        string fitJson = CliResult.Run("scaling", "fit", "--input", RunsFile(temp, Law), "--format", "json").Succeeds().Out;
        string fitFile = temp.Write("fit.json", fitJson);
        var fitted = JsonDocument.Parse(fitJson).RootElement;
        var law = new ScalingLaw(fitted.GetProperty("E").GetDouble(), fitted.GetProperty("A").GetDouble(), fitted.GetProperty("B").GetDouble(),
            fitted.GetProperty("alpha").GetDouble(), fitted.GetProperty("beta").GetDouble());

        var json = JsonDocument.Parse(CliResult.Run("scaling", "plan", "--flops", "1e21", "--fit", fitFile, "--format", "json").Succeeds().Out).RootElement;
        Assert.Equal(law.ComputeOptimal(1e21).NOpt, json.GetProperty("N_opt").GetDouble());
        Assert.Equal(Law.ComputeOptimal(1e21).NOpt, json.GetProperty("N_opt").GetDouble(), Law.ComputeOptimal(1e21).NOpt * 1e-6);

        var table = CliResult.Run("scaling", "plan", "--flops", "1e21", "--fit", fitFile).Succeeds().Out;
        Assert.Contains($"fit from {fitFile}", table);
        Assert.Contains("tokens per parameter", table);
    }

    [Fact]
    public void Help_shows_both_subcommands()
    {
        var r = CliResult.Run("scaling", "fit", "--help").Succeeds();
        Assert.Contains("usage: llmlab scaling fit --input RUNS.csv", r.Out);
        Assert.Contains("llmlab scaling plan --flops C", r.Out);
        Assert.Contains("scaling", CliResult.Run("--help").Succeeds().Out);
    }
}
