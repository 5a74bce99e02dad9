using LlmLab.Cli.Eval;
using LlmLab.Evaluation;

namespace LlmLab.Cli.Commands;

/// <summary>
/// <c>llmlab eval</c>: ROUGE, BLEU and chrF of predictions against references, per case and for the corpus, in
/// agreement with rouge_score and sacrebleu. Everything is read and scored before anything is printed, so a bad
/// input line produces an error and no partial report.
/// </summary>
public sealed class EvalCommand : ICommand
{
    public string Name => "eval";

    public string Summary => "score predictions against references: ROUGE, BLEU, chrF (as rouge_score and sacrebleu)";

    public string Usage => """
        usage: llmlab eval --input CASES.jsonl [options]
               llmlab eval --predictions FILE --references FILE [--references FILE ...] [options]

        input (one of):
          --input FILE          JSON lines: {"prediction": "...", "references": ["...", ...]} (other fields ignored)
          --predictions FILE    one prediction a line, as sacrebleu's command line
          --references FILE     one reference a line, same number of lines; repeat for more references

        options:
          --metrics LIST        comma-separated subset of rouge,bleu,chrf (default: all three)
          --stemmer             Porter-stem ROUGE tokens (rouge_score's use_stemmer=True)
          --format json|table   JSON report (default) or tables

        Per case: ROUGE-1/2/L/Lsum precision, recall, F1 (best reference by F1), sentence BLEU and sentence chrF
        (sacrebleu defaults). Corpus: corpus BLEU with its detail, corpus chrF, and the mean of each ROUGE score.
        Exit codes: 0 success, 2 bad input or arguments, 1 internal error.

        """;

    public int Run(IReadOnlyList<string> args, CliContext context)
    {
        var options = new OptionParser()
            .Single("--input").Single("--predictions").Repeated("--references")
            .Single("--metrics").Flag("--stemmer").Single("--format")
            .Parse(args);

        var metrics = ParseMetrics(options.Value("--metrics") ?? "rouge,bleu,chrf");
        string format = options.Value("--format") ?? "json";
        if (format is not ("json" or "table")) throw CliException.Usage($"unknown format '{format}' (choose json or table)");

        var cases = ReadCases(options);
        var report = Evaluator.Run(cases, new EvaluationOptions { Metrics = metrics, UseStemmer = options.Has("--stemmer") });

        string output = format == "json" ? JsonReport.Write(report, metrics) : TableReport.Write(report, metrics, context.Width);
        context.Out.Write(output);
        context.Out.Flush();
        return 0;
    }

    private static List<EvaluationCase> ReadCases(OptionParser options)
    {
        string? input = options.Value("--input");
        string? predictions = options.Value("--predictions");
        var references = options.Values("--references");

        if (input is not null && (predictions is not null || references.Count > 0))
            throw CliException.Usage("give either --input or --predictions with --references, not both");
        if (input is not null) return CaseReader.ReadJsonLines(input);
        if (predictions is null && references.Count == 0) throw CliException.Usage("no input: give --input, or --predictions and --references");
        if (predictions is null) throw CliException.Usage("--references needs --predictions");
        if (references.Count == 0) throw CliException.Usage("--predictions needs at least one --references file");
        return CaseReader.ReadLineFiles(predictions, references);
    }

    private static EvaluationMetrics ParseMetrics(string list)
    {
        var metrics = EvaluationMetrics.None;
        foreach (string name in list.Split(',', StringSplitOptions.TrimEntries))
        {
            metrics |= name.ToLowerInvariant() switch
            {
                "rouge" => EvaluationMetrics.Rouge,
                "bleu" => EvaluationMetrics.Bleu,
                "chrf" => EvaluationMetrics.Chrf,
                _ => throw CliException.Usage($"unknown metric '{name}' (choose from rouge, bleu, chrf)"),
            };
        }
        return metrics;
    }
}
