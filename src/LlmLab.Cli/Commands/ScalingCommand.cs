using LlmLab.Cli.Scaling;
using LlmLab.Scaling;

namespace LlmLab.Cli.Commands;

/// <summary>
/// <c>llmlab scaling fit</c> fits a Chinchilla scaling law to a CSV of training runs (Hoffmann et al. 2022's
/// Approach 3, or Approach 2 on IsoFLOP profiles); <c>llmlab scaling plan</c> turns a fit, or the paper's own, into
/// the compute-optimal model size and token count for a budget. The runs are read and checked before any fitting,
/// so a bad line is an error that names it and nothing is printed.
/// </summary>
public sealed class ScalingCommand : ICommand
{
    public string Name => "scaling";

    public string Summary => "fit a Chinchilla scaling law to training runs, or plan a compute-optimal model size";

    public string Usage => """
        usage: llmlab scaling fit --input RUNS.csv [--approach 3|2] [--format table|json]
               llmlab scaling plan --flops C [--fit FIT.json] [--format table|json]

        fit: fit L(N, D) = E + A/N^alpha + B/D^beta to training runs (Hoffmann et al. 2022).
          --input FILE          CSV whose header names the columns N (parameters), D (training tokens) and loss (final
                                loss, nats per token) in any order and case, and optionally C (training FLOPs)
          --approach 3|2        3 (default): minimise the Huber loss (delta 1e-3) of log-loss residuals with L-BFGS
                                from the paper's 4,500 starts; at least 5 runs.
                                2: IsoFLOP profiles: runs grouped by compute (C, else 6ND; within 1%), a parabola of
                                loss against ln N per budget (3 sizes or more, 2 budgets or more), then
                                N_opt ~ C^a and D_opt ~ C^b through the vertices
          --format table|json   table (default) with Chinchilla's published values beside, or one line of JSON:
                                {"E","A","B","alpha","beta","huber_loss","points"} (approach 3, what plan --fit reads)
                                or {"budgets":[{"C","N_opt","D_opt"}],"a","b","points"} (approach 2)

        plan: the model size and tokens that minimise the law's loss for a compute budget under C = 6ND
        (N_opt = G (C/6)^a, D_opt = G^-1 (C/6)^b, Hoffmann et al. eq. 4).
          --flops C             the training compute in FLOPs, e.g. 1e21
          --fit FILE            a law written by 'llmlab scaling fit --format json' (default: Chinchilla's
                                published fit, E 1.69, A 406.4, B 410.7, alpha 0.34, beta 0.28)
          --format table|json   table (default) or {"C","N_opt","D_opt","tokens_per_parameter","loss"}

        Exit codes: 0 success, 2 bad input or arguments, 1 internal error.

        """;

    public int Run(IReadOnlyList<string> args, CliContext context)
    {
        if (args.Count == 0) throw CliException.Usage("no subcommand given: fit or plan");
        string output = args[0] switch
        {
            "fit" => Fit(args, context.Width),
            "plan" => Plan(args, context.Width),
            _ => throw CliException.Usage($"unknown subcommand '{args[0]}' (choose fit or plan)"),
        };
        context.Out.Write(output);
        context.Out.Flush();
        return 0;
    }

    private static string Fit(IReadOnlyList<string> args, int width)
    {
        var options = new OptionParser().Single("--input").Single("--approach").Single("--format").Parse(args, start: 1);
        string path = options.Value("--input") ?? throw CliException.Usage("no --input given: a CSV of runs with columns N, D and loss");
        string approach = options.Value("--approach") ?? "3";
        if (approach is not ("2" or "3")) throw CliException.Usage($"unknown approach '{approach}' (choose 3 or 2)");
        bool json = Format(options);

        var points = PointsFile.Read(path);
        if (approach == "3")
        {
            if (points.Count < 5) throw new CliException($"{path}: {Runs(points.Count)}, but approach 3 needs at least 5 (one per parameter)");
            var fit = OnFile(path, () => ChinchillaFitter.Fit(points));
            return json ? ScalingReport.Json(fit) : ScalingReport.Table(fit, Huber.ChinchillaDelta, width);
        }
        if (points.Count < 6) throw new CliException($"{path}: {Runs(points.Count)}, but approach 2 needs at least 6 (two budgets of three sizes)");
        var iso = OnFile(path, () => IsoFlopFitter.Fit(points));
        return json ? ScalingReport.Json(iso) : ScalingReport.Table(iso, width);
    }

    private static string Plan(IReadOnlyList<string> args, int width)
    {
        var options = new OptionParser().Single("--flops").Single("--fit").Single("--format").Parse(args, start: 1);
        double flops = options.Float64("--flops") ?? throw CliException.Usage("no --flops given: the training compute in FLOPs, e.g. 1e21");
        if (flops <= 0) throw CliException.Usage($"option '--flops' must be positive, got {options.Value("--flops")}");
        bool json = Format(options);
        string? fitPath = options.Value("--fit");
        var law = fitPath is null ? ScalingLaw.Chinchilla : FitFile.Read(fitPath);
        string source = fitPath is null ? "Chinchilla's published fit (Hoffmann et al. 2022)" : $"fit from {fitPath}";
        return json ? ScalingReport.Json(law, flops) : ScalingReport.Table(law, source, flops, width);
    }

    /// <summary>True for --format json, false for table (the default).</summary>
    private static bool Format(OptionParser options)
    {
        string format = options.Value("--format") ?? "table";
        return format switch
        {
            "json" => true,
            "table" => false,
            _ => throw CliException.Usage($"unknown format '{format}' (choose table or json)"),
        };
    }

    private static string Runs(int count) => count == 1 ? "1 run" : $"{count} runs";

    /// <summary>The fitters' refusals (ArgumentException: a budget with too few sizes, a parabola without a
    /// minimum) as one line naming the file.</summary>
    private static T OnFile<T>(string path, Func<T> fit)
    {
        try
        {
            return fit();
        }
        catch (ArgumentException e)
        {
            throw new CliException($"{path}: {e.Message}");
        }
    }
}
