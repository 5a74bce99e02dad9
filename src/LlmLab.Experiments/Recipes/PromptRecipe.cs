using LlmLab.Data;
using LlmLab.Prompting;

namespace LlmLab.Experiments;

/// <summary>
/// The prompt recipe (in-context learning): a base model, by default pre-trained here on the corpus with a share of
/// labelled task text, prompted with 0, 1, ... shots on each task's test items; shots are other items of the same
/// task and template. Report: each task's score (acc for multiple choice, exact match or ROUGE-L for generation)
/// with its 95% interval against the number of shots, a plot of it, and the change from zero- to few-shot in
/// sentences; every prompt in prompts.jsonl.
/// </summary>
public static class PromptRecipe
{
    public static void Run(PromptConfig config, ExperimentContext context)
    {
        var tasks = InstructionTaskList.Tasks(config.Tasks, nameof(PromptConfig.Tasks));
        var shots = InstructionTaskList.Shots(config.Shots, nameof(PromptConfig.Shots));
        var model = PromptingBase.Obtain(context, config.BaseModel, config.PretrainSteps, config.Tokenizer, config.VocabularySize,
            config.Context, config.LabelledText, config.CheckpointInterval);
        var items = InstructionTaskList.TestItems(context.Seed, tasks, config.Items, config.Templates);
        var pool = InstructionTaskList.ShotPool(context.Seed, tasks);
        var scores = new PromptScores(context);
        var byShots = shots.ToDictionary(k => k, k => scores.Evaluate(model, "base", items, pool, k, config.MaxNewTokens));
        scores.Save();
        Report(context, tasks, shots, byShots);
    }

    private static void Report(ExperimentContext context, IReadOnlyList<string> tasks, IReadOnlyList<int> shots,
        Dictionary<int, IReadOnlyList<MetricSummary>> byShots)
    {
        MetricSummary Score(string task, int k) => byShots[k].First(s => s.Task == task);
        var columns = new List<string> { "task", "metric", "items" };
        foreach (int k in shots) columns.AddRange([$"{k}-shot", $"{k}-shot ±95%"]);
        context.Table("prompt: score by number of shots", columns,
            tasks.Select(t => (IReadOnlyList<object?>)[t, Score(t, shots[0]).Metric, Score(t, shots[0]).Count,
                .. shots.SelectMany(k => new object?[] { Score(t, k).Mean, MetricSummary.Z95 * Score(t, k).StandardError })]),
            Sentence(tasks, shots, Score));
        context.Plot("prompt-shots", "Score against the number of shots", "shots", "score",
            [.. tasks.Select(t => new PlotSeries(t, [.. shots.Select(k => (double)k)], [.. shots.Select(k => Score(t, k).Mean)]))]);
        foreach (var t in tasks)
            foreach (int k in shots) context.Summary($"{t} {k}-shot", Score(t, k).Mean);
        if (shots.Count > 1 && ClassificationGain(tasks, shots, Score) is { } gain) context.Summary("classification few-shot gain", gain);
    }

    /// <summary>Mean over the multiple-choice tasks of (score at the most shots - score at the fewest), in points.</summary>
    private static double? ClassificationGain(IReadOnlyList<string> tasks, IReadOnlyList<int> shots, Func<string, int, MetricSummary> score)
    {
        var classification = tasks.Where(t => InstructionGenerator.Task(t).Metric == InstructionMetric.Accuracy).ToArray();
        return classification.Length == 0 ? null : 100 * classification.Average(t => score(t, shots[^1]).Mean - score(t, shots[0]).Mean);
    }

    private static string Sentence(IReadOnlyList<string> tasks, IReadOnlyList<int> shots, Func<string, int, MetricSummary> score)
    {
        if (shots.Count < 2) return $"Scores at {shots[0]} shots; give more numbers of shots to compare.";
        int few = shots[^1], zero = shots[0];
        string Change(string t)
        {
            var a = score(t, zero);
            var b = score(t, few);
            bool clear = Math.Abs(b.Mean - a.Mean) > MetricSummary.Z95 * Math.Sqrt(Sq(a.StandardError) + Sq(b.StandardError));
            return FormattableString.Invariant($"{t} {a.Metric} {a.Mean:F2} → {b.Mean:F2}") + (clear ? "" : " (within the noise)");
        }
        var parts = tasks.Select(Change);
        string gain = ClassificationGain(tasks, shots, score) is { } g
            ? FormattableString.Invariant($" On the multiple-choice tasks, {few} shots change accuracy by {g:+0.0;-0.0} points on average") + (g >= 10
                ? ": the examples in the prompt teach the model what is asked."
                : g > 0 ? ", less than 10: the model gains little from the examples beyond their format." : ": the examples do not help this model choose.")
            : "";
        return $"From {zero} to {few} shots: {string.Join("; ", parts)}." + gain;
    }

    private static double Sq(double x) => double.IsNaN(x) ? 0 : x * x;
}
