using LlmLab.Data;
using LlmLab.Prompting;

namespace LlmLab.Experiments;

/// <summary>
/// Prompting inside an experiment: a model scored on instruction items at a number of shots with the lm-eval-style
/// harness (<see cref="PromptEvaluator"/>), shots drawn from a pool with the run's seed, a progress bar, and every
/// prompt the model saw kept for prompts.jsonl in the run folder (<see cref="Save"/>), so a learner can read them.
/// </summary>
public sealed class PromptScores(ExperimentContext context)
{
    public const string FileName = "prompts.jsonl";

    /// <summary>Answers are one line: generation stops at a line break (as lm-eval's short-answer tasks stop at "\n"),
    /// which also ends the blank line after a shot's answer.</summary>
    public static readonly IReadOnlyList<string> AnswerStops = ["\n"];

    private readonly List<PromptReport> _reports = [];

    /// <summary>The primary metric's summary per task (acc for multiple choice), tasks in the items' order.</summary>
    public IReadOnlyList<MetricSummary> Evaluate(TinyGpt model, string label, IReadOnlyList<InstructionExample> items,
        IReadOnlyList<InstructionExample> pool, int shots, int maxNewTokens) =>
        Evaluate(new DecoderLanguageModel(model.Model, model.Tokenizer, label), label, items, pool, shots, maxNewTokens);

    /// <summary>As above for any language model (a soft-prompted one, say).</summary>
    public IReadOnlyList<MetricSummary> Evaluate(ILanguageModel language, string label, IReadOnlyList<InstructionExample> items,
        IReadOnlyList<InstructionExample> pool, int shots, int maxNewTokens)
    {
        var options = new FewShotOptions { Shots = shots, Seed = context.Seed, MaxNewTokens = maxNewTokens, Stops = AnswerStops };
        using var progress = context.Progress($"{label}, {shots}-shot", items.Count);
        var report = new PromptEvaluator(language).Evaluate(items, new FewShotSampler(pool), options, _ =>
        {
            context.Cancellation.ThrowIfCancellationRequested();
            progress.Increment();
        });
        _reports.Add(report);
        var summaries = report.Summaries().Where(s => s.Metric != "acc_norm").ToArray();
        context.Log($"{label}, {shots}-shot: " + string.Join(", ", summaries.Select(s => FormattableString.Invariant($"{s.Task} {s.Metric} {s.Mean:F3}"))));
        return summaries;
    }

    /// <summary>Writes prompts.jsonl: every record so far, one JSON object a line with the model's label.</summary>
    public void Save() => IO.AtomicFile.WriteAllText(Path.Combine(context.RunFolder, FileName),
        PromptsFile.Write(_reports));
}
