using System.Text;
using LlmLab.Data;
using LlmLab.Evaluation;

namespace LlmLab.Prompting;

/// <summary>
/// Few-shot evaluation of instruction items as lm-evaluation-harness runs its multiple_choice and generate_until
/// tasks. Each item gets its shots from the <see cref="FewShotSampler"/> and its prompt from
/// <see cref="FewShotContext"/>. A multiple-choice item scores every option's continuation (target delimiter +
/// option) by log-likelihood: acc is 1 when the target has the highest, acc_norm when it has the highest per UTF-8
/// byte of the option (the first on ties, as numpy's argmax). A generation item is continued greedily until a stop
/// sequence (the text is cut at the first), EOS or the token limit, and scored by exact match after trimming white
/// space, or by ROUGE-L F-measure (rouge_score's rougeL, no stemming).
/// </summary>
public sealed class PromptEvaluator(ILanguageModel model)
{
    public ILanguageModel Model { get; } = model;

    /// <summary>
    /// The items at one number of shots, in order; <paramref name="onRecord"/> sees each record as it is made.
    /// </summary>
    public PromptReport Evaluate(IReadOnlyList<InstructionExample> items, FewShotSampler sampler, FewShotOptions options,
        Action<PromptRecord>? onRecord = null)
    {
        options.Validate();
        var records = new List<PromptRecord>(items.Count);
        foreach (var item in items)
        {
            var record = Evaluate(item, sampler.Sample(item, options.Shots, options.Seed), options);
            records.Add(record);
            onRecord?.Invoke(record);
        }
        return new PromptReport(Model.Name, options.Shots, records);
    }

    /// <summary>One item with the given shots.</summary>
    public PromptRecord Evaluate(InstructionExample item, IReadOnlyList<InstructionExample> shots, FewShotOptions options)
    {
        if (item.IsMultipleChoice != (item.Metric == InstructionMetric.Accuracy))
            throw new ArgumentException($"item {item.Id}: {(item.IsMultipleChoice ? "options are scored by acc" : "acc needs options")}, not {InstructionFiles.MetricName(item.Metric)}");
        string prompt = FewShotContext.Build(item, shots, options);
        string[] shotIds = [.. shots.Select(s => s.Id)];
        return item.IsMultipleChoice ? MultipleChoice(item, shotIds, prompt, options) : Generate(item, shotIds, prompt, options);
    }

    private PromptRecord MultipleChoice(InstructionExample item, string[] shotIds, string prompt, FewShotOptions options)
    {
        var continuations = item.Options.Select(o => FewShotContext.Continuation(o, options)).ToArray();
        var scores = Model.LogLikelihoods([.. continuations.Select(c => Model.EncodePair(prompt, c))]);
        var optionScores = item.Options
            .Select((o, i) => new OptionScore(o, continuations[i], scores[i].LogLikelihood, scores[i].IsGreedy, scores[i].Tokens, Encoding.UTF8.GetByteCount(o)))
            .ToArray();
        int predicted = ArgMax(optionScores.Select(o => o.LogLikelihood));
        int normalized = ArgMax(optionScores.Select(o => o.NormalizedLogLikelihood));
        int gold = item.Gold;
        return new PromptRecord(item, options.Shots, shotIds, prompt, optionScores, predicted, normalized, Prediction: null,
            Score: predicted == gold ? 1 : 0, NormalizedScore: normalized == gold ? 1 : 0,
            TruncatedContextTokens: scores.Max(s => s.TruncatedContextTokens));
    }

    private PromptRecord Generate(InstructionExample item, string[] shotIds, string prompt, FewShotOptions options)
    {
        var stops = options.StopSequences;
        var generation = Model.GenerateGreedy(Model.EncodeContext(prompt), options.MaxNewTokens,
            stops.Count == 0 ? null : tokens => Cut(Decode(tokens), stops).Stopped);
        var (prediction, _) = Cut(Decode(generation.Tokens), stops);
        double score = item.Metric == InstructionMetric.RougeL
            ? Rouge.RougeL(prediction, item.Target).F1
            : ExactMatch.Matches(prediction.Trim(), [item.Target.Trim()]) ? 1 : 0;
        return new PromptRecord(item, options.Shots, shotIds, prompt, Options: [], Predicted: null, PredictedNormalized: null, prediction,
            score, NormalizedScore: null, generation.TruncatedContextTokens);
    }

    /// <summary>
    /// The text of generated tokens, special tokens dropped; so are ids past the tokenizer's vocabulary, which a model
    /// with a padded embedding table can produce (transformers' decode skips them too).
    /// </summary>
    private string Decode(IReadOnlyList<int> tokens)
    {
        int vocabulary = Model.Tokenizer.VocabularySize;
        return Model.Tokenizer.Decode(tokens.Where(t => t < vocabulary).ToArray());
    }

    /// <summary>The text before the earliest stop sequence (lm-eval splits at each in turn: the same cut), and whether one occurs.</summary>
    public static (string Text, bool Stopped) Cut(string text, IReadOnlyList<string> stops)
    {
        int cut = -1;
        foreach (string stop in stops)
        {
            if (stop.Length == 0) continue;
            int at = text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (cut < 0 || at < cut)) cut = at;
        }
        return cut < 0 ? (text, false) : (text[..cut], true);
    }

    private static int ArgMax(IEnumerable<double> values)
    {
        int best = -1, i = 0;
        double max = double.NegativeInfinity;
        foreach (double v in values)
        {
            if (best < 0 || v > max) (best, max) = (i, v);
            i++;
        }
        return best;
    }
}
