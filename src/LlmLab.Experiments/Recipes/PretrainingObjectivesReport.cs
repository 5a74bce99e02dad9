using System.Globalization;
using LlmLab.Data;
using LlmLab.Prompting;
using LlmLab.Tokenizers;
using LlmLab.Training;

namespace LlmLab.Experiments;

/// <summary>
/// The pretraining-objectives report: the three pre-trainings side by side (parameters, steps, FLOPs, tokens read,
/// each objective's own validation loss) with their loss curves against compute; then one table of what each
/// family is for - continuation, cloze, summarisation - and a sentence a test saying who wins it, by how much, and
/// whether the difference is larger than its 95% interval over the paired items.
/// </summary>
internal static class PretrainingObjectivesReport
{
    public static void Write(ExperimentContext context, PretrainingObjectivesConfig config, IReadOnlyList<ObjectiveResult> results, ObjectiveBaselines baselines,
        IReadOnlyList<SummaryExample> test)
    {
        context.Table("pre-training",
            ["family", "objective", "parameters", "non-embedding", "steps", "training FLOPs", "windows read", "validation loss (start)", "validation loss (end)"],
            results.Select(r => (IReadOnlyList<object?>)[r.Family.Name, r.Family.Objective, r.Family.Model.ParameterCount(), r.Family.NonEmbeddingParameters,
                r.Steps, r.Flops, (long)r.Steps * config.BatchSize, r.Pretraining.FirstValidationLoss, r.Pretraining.LastValidationLoss]),
            PretrainingSentence(config, results));
        context.Table("Timings: pre-training and fine-tuning", ["family", "pre-training (s)", "fine-tuning and summarising (s)"],
            results.Select(r => (IReadOnlyList<object?>)[r.Family.Name, r.Time.TotalSeconds, r.Summaries?.Time.TotalSeconds]),
            "At equal FLOPs, pre-training took " + Listed([.. results.Select(r => $"{NumberFormat.Duration(r.Time.TotalSeconds)} for the {r.Family.Name}")])
            + " on this machine: FLOPs set the budget, not the clock, since small matrix products run below the machine's peak and some families' steps hold smaller ones.");
        Plot(context, results);

        var (gpt, bert, t5) = (results[0], results[1], results[2]);
        context.Table("what each objective is for",
            ["family", "continuation (nats/token)", "continuation perplexity", "cloze accuracy", "cloze 95% interval", "ROUGE-1", "ROUGE-2", "ROUGE-L", "facts stated"],
            results.Select(r => (IReadOnlyList<object?>)[r.Family.Name,
                r.Continuation?.Average(), r.Continuation is { } c ? Math.Exp(c.Average()) : null,
                r.Cloze!.Average(), Interval(r.Cloze!),
                r.Summaries?.Mean.Rouge1.F1, r.Summaries?.Mean.Rouge2.F1, r.Summaries?.Mean.RougeL.F1,
                r.Summaries is { } s ? NumberFormat.Percent(s.Faithfulness.CorrectShare) : null])
            .Append(["bigram model (counts), all held-out tokens", baselines.BigramLoss, Math.Exp(baselines.BigramLoss), null, null, null, null, null, null])
            .Append([$"always \"{baselines.FrequentWord}\" (the most frequent word)", null, null, baselines.FrequentWordCloze.Average(), Interval(baselines.FrequentWordCloze),
                null, null, null, null]),
            string.Join(" ", ContinuationSentence(config, gpt, t5, baselines), ClozeSentence(config, results, baselines), SummarySentence(config, gpt, t5, test.Count)));
        foreach (var r in results)
        {
            context.Summary($"{r.Family.Stage} cloze accuracy", r.Cloze!.Average());
            if (r.Continuation is { } c) context.Summary($"{r.Family.Stage} continuation perplexity", Math.Exp(c.Average()));
            if (r.Summaries is { } s) context.Summary($"{r.Family.Stage} ROUGE-L", s.Mean.RougeL.F1);
        }

        for (int i = 0; i < Math.Min(2, test.Count); i++)
        {
            var example = test[i].Example;
            context.Table($"summaries of test dialogue {i + 1}", ["", "summary", "ROUGE-L"],
            [
                ["reference", example.Summary, null],
                ["GPT", gpt.Summaries!.Texts[i], gpt.Summaries.Scores[i].RougeL.F1],
                ["T5", t5.Summaries!.Texts[i], t5.Summaries.Scores[i].RougeL.F1],
            ], $"Test dialogue {i + 1} ({example.Topic}): {GeneratedText.ForTable(example.Dialogue, 600)}");
        }
    }

    private static string Interval(double[] values)
    {
        double mean = values.Average(), half = MetricSummary.Z95 * PromptStatistics.StandardError(values);
        return string.Create(CultureInfo.InvariantCulture, $"{mean - half:F3} to {mean + half:F3}");
    }

    private static string PretrainingSentence(PretrainingObjectivesConfig config, IReadOnlyList<ObjectiveResult> results)
    {
        var (gpt, bert, t5) = (results[0], results[1], results[2]);
        double parameterSpread = results.Max(r => r.Family.NonEmbeddingParameters) / (double)results.Min(r => r.Family.NonEmbeddingParameters) - 1;
        return FormattableString.Invariant(
            $"Each family spent {gpt.Flops:E2} training FLOPs (6 x the weights a token passes through x the tokens, attention's own left out) with non-embedding parameters within {parameterSpread * 100:F0}% of each other. ")
            + FormattableString.Invariant(
            $"A T5 step costs {t5.Family.FlopsPerStep / gpt.Family.FlopsPerStep:F2} of a GPT step, because each window's tokens pass through only one of its stacks (the decoder writes only the {NumberFormat.Percent(Noise(config))} of them that were hidden), so it read {(double)t5.Steps / gpt.Steps:F1}x as many windows; ")
            + FormattableString.Invariant(
            $"the BERT learns from the {NumberFormat.Percent(config.MaskProbability)} of tokens it masks, the GPT from every one. The validation losses are each objective's own and do not compare across rows.");
    }

    private static double Noise(PretrainingObjectivesConfig config) =>
        (double)SpanCorruption.NoiseLengths(config.Context, config.NoiseDensity, config.MeanSpanLength).NoiseTokens / config.Context;

    /// <summary>Each family's validation loss against the FLOPs spent so far.</summary>
    private static void Plot(ExperimentContext context, IReadOnlyList<ObjectiveResult> results)
    {
        var metrics = MetricsLog.Read(context.MetricsFile);
        var series = new List<PlotSeries>();
        foreach (var r in results)
            if (metrics.FirstOrDefault(m => m.Name == $"{r.Family.Stage}_val_loss") is { } m)
                series.Add(new PlotSeries($"{r.Family.Name} ({r.Family.Objective})", [.. m.Points.Select(p => p.Step * r.Family.FlopsPerStep)], [.. m.Points.Select(p => p.Value)]));
        if (series.Count > 0)
            context.Plot("pretraining-loss", "Validation loss of each objective against training compute", "training FLOPs", "loss (nats a predicted token)", series);
    }

    private static string ContinuationSentence(PretrainingObjectivesConfig config, ObjectiveResult gpt, ObjectiveResult t5, ObjectiveBaselines baselines)
    {
        var (difference, half) = Paired(t5.Continuation!, gpt.Continuation!);
        string prompt = FormattableString.Invariant($"Continuing {gpt.Continuation!.Length} held-out prompts of {config.Context / 2} tokens (a bigram model of counts: perplexity {Math.Exp(baselines.BigramLoss):F2})");
        if (Math.Abs(difference) <= half)
            return prompt + FormattableString.Invariant($", neither decoder wins: the GPT's perplexity is {Math.Exp(gpt.Continuation.Average()):F2} and the T5's {Math.Exp(t5.Continuation!.Average()):F2}, a difference within its 95% interval.");
        var (winner, loser) = difference > 0 ? (gpt, t5) : (t5, gpt);
        return prompt + FormattableString.Invariant(
            $", the {winner.Family.Name} ({winner.Family.Objective}) wins: perplexity {Math.Exp(winner.Continuation!.Average()):F2} against the {loser.Family.Name}'s {Math.Exp(loser.Continuation!.Average()):F2} ({Math.Abs(difference):F3} ± {half:F3} nats a token, 95% interval over the paired windows)")
            + (winner == gpt ? ", as its objective is exactly this task; span corruption only ever asked the T5 for spans of a few tokens." : ".");
    }

    private static string ClozeSentence(PretrainingObjectivesConfig config, IReadOnlyList<ObjectiveResult> results, ObjectiveBaselines baselines)
    {
        var ranked = results.OrderByDescending(r => r.Cloze!.Average()).ToArray();
        var (best, second) = (ranked[0], ranked[1]);
        var (difference, half) = Paired(best.Cloze!, second.Cloze!);
        string accuracies = string.Join(", ", ranked.Select(r => FormattableString.Invariant($"{r.Family.Name} {r.Cloze!.Average():F3}")));
        string sentence = $"On {best.Cloze!.Length} cloze items (accuracy {accuracies}) " + (difference > half
            ? FormattableString.Invariant($"the {best.Family.Name} ({best.Family.Objective}) wins, {difference:F3} ± {half:F3} ahead of the {second.Family.Name}")
            : FormattableString.Invariant($"the {best.Family.Name} and the {second.Family.Name} are within the 95% interval of each other ({difference:F3} ± {half:F3})"));
        if (best.Family.Name != ObjectiveFamily.Gpt)
            sentence += $"; the GPT sees only the {config.Context / 2} tokens before the word, the others both sides";
        // A family no better than naming the most frequent word every time has not learned to read a gap's context.
        var unlearned = results.Where(r => Paired(r.Cloze!, baselines.FrequentWordCloze) is var (d, h) && !(d > h)).Select(r => $"the {r.Family.Name}").ToArray();
        if (unlearned.Length == 0) return sentence + ".";
        bool one = unlearned.Length == 1;
        return sentence + FormattableString.Invariant(
            $". {Capitalised(Listed(unlearned))} {(one ? "is" : "are")} no better than always naming \"{baselines.FrequentWord}\" ({baselines.FrequentWordCloze.Average():F3}): at this compute {(one ? "it has" : "they have")} not yet learned to use the words around a gap, the plateau a denoising objective sits on before it does (the GPT learns from every token from the first step; masked LM from the {NumberFormat.Percent(config.MaskProbability)} it hides).");
    }

    private static string Capitalised(string text) => char.ToUpperInvariant(text[0]) + text[1..];

    private static string Listed(IReadOnlyList<string> items) => items.Count == 1 ? items[0] : string.Join(", ", items.Take(items.Count - 1)) + " and " + items[^1];

    private static string SummarySentence(PretrainingObjectivesConfig config, ObjectiveResult gpt, ObjectiveResult t5, int dialogues)
    {
        double[] gptL = [.. gpt.Summaries!.Scores.Select(s => s.RougeL.F1)], t5L = [.. t5.Summaries!.Scores.Select(s => s.RougeL.F1)];
        var (difference, half) = Paired(t5L, gptL);
        string setting = FormattableString.Invariant($"After the same {config.FinetuneSteps} fine-tuning steps, on {dialogues} test dialogues");
        if (Math.Abs(difference) <= half)
            return setting + FormattableString.Invariant($" the T5 and the GPT summarise alike: ROUGE-L {t5L.Average():F3} and {gptL.Average():F3}, within the 95% interval ({difference:+0.000;-0.000} ± {half:F3}). The BERT has no decoder to write with.");
        var (winner, loser, w, l) = difference > 0 ? (t5, gpt, t5L, gptL) : (gpt, t5, gptL, t5L);
        return setting + FormattableString.Invariant(
            $" the {winner.Family.Name} ({winner.Family.Objective}) summarises better: ROUGE-L {w.Average():F3} against {l.Average():F3} ({Math.Abs(difference):F3} ± {half:F3}). The BERT has no decoder to write with.");
    }

    /// <summary>The mean of a - b over paired items and the half-width of its normal 95% interval.</summary>
    private static (double Difference, double Half) Paired(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        double[] d = [.. a.Zip(b, (x, y) => x - y)];
        return (d.Average(), MetricSummary.Z95 * PromptStatistics.StandardError(d));
    }
}
