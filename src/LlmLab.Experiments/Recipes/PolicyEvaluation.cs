using LlmLab.Alignment;
using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Data;
using LlmLab.Evaluation;
using LlmLab.Generation;
using LlmLab.Tokenizers;
using LlmLab.Training;

namespace LlmLab.Experiments;

/// <summary>How a policy summarises held-out dialogues, how far it is from the reference, and which completion of a
/// held-out pair its implicit reward prefers.</summary>
public sealed record PolicyScores(string Label, double RudeRate, double InventedRate, double MeanReward, double Kl, double Distinct2, double MeanWords,
    double RougeL, double PreferredRate, IReadOnlyList<string> Summaries);

/// <summary>
/// Scores policies the same way: each summarises the first held-out pairs' dialogues, sampled with the run's seed and
/// stopped at the end of an answer; the summaries' share with a rude word, the share stating a fact
/// (<see cref="DialogueSlots"/>) their dialogue does not, the reward model's mean score, the mean KL to the reference
/// (Σ over a summary's tokens of log π - log π_ref), distinct-2 over all summaries (degenerate text repeats itself),
/// their mean length in words (or shrinks to a few),
/// ROUGE-L against the chosen summary; and the share of held-out pairs whose chosen completion has the higher
/// implicit reward log π - log π_ref (DPO's reward accuracy; a tie counts half, so the reference scores 0.5).
/// </summary>
public sealed class PolicyEvaluation(ExperimentContext context, RewardModel rewardModel, TinyGpt reference, IReadOnlyList<PreferenceExample> test,
    int prompts, int maxNewTokens, float temperature, int batchSize, int endToken)
{
    private readonly ITokenizer _tokenizer = reference.Tokenizer;
    private readonly int _pad = reference.Tokenizer.SpecialTokens.Pad ?? 0;

    public PolicyScores Score(string label, TinyGpt policy)
    {
        var items = test.Take(prompts).ToArray();
        var options = new GenerationOptions
        {
            MaxNewTokens = maxNewTokens, Sampling = new SamplingOptions { Temperature = temperature }, Seed = context.Seed, StopTokens = [endToken],
        };
        int[][] promptIds = [.. items.Select(p => _tokenizer.Encode(p.Prompt))];
        // Each response ends with the end token (added when the limit cut it off), as the reward model reads completions.
        int[][] responses = [.. Generator.Generate(policy.Model, promptIds, options).Select(r => r.Length > 0 && r[^1] == endToken ? r : [.. r, endToken])];
        string[] summaries = [.. responses.Select(r => _tokenizer.Decode(r.AsSpan(0, r.Length - 1)).Trim())];
        var rows = promptIds.Zip(responses, (p, r) => (p, r)).ToArray();
        double[] kl = [.. LogProbs(policy, rows).Zip(LogProbs(reference, rows), (a, b) => a - b)];
        var scores = new PolicyScores(label, RudeWords.Rate(summaries), items.Zip(summaries, (p, s) => Invents(p.Prompt, s) ? 1.0 : 0.0).Average(),
            Rewards(rows).Average(), kl.Average(), GenerationDiversity.DistinctN(summaries, 2),
            summaries.Average(t => t.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length),
            items.Zip(summaries, (p, s) => Rouge.RougeL(s, p.Chosen.Trim()).F1).Average(), PreferredRate(policy), summaries);
        context.Log(FormattableString.Invariant(
            $"{label}: rude {scores.RudeRate:F3}, invented facts {scores.InventedRate:F3}, reward {scores.MeanReward:F3}, KL {scores.Kl:F2}, distinct-2 {scores.Distinct2:F3}, {scores.MeanWords:F1} words, ROUGE-L {scores.RougeL:F3}, prefers chosen {scores.PreferredRate:F3}"));
        return scores;
    }

    /// <summary>Whether <paramref name="summary"/> states a name, place, day, time or amount the prompt's dialogue does not.</summary>
    public static bool Invents(string prompt, string summary)
    {
        var stated = DialogueSlots.Find(prompt).ToHashSet();
        return DialogueSlots.Find(summary).Any(v => !stated.Contains(v));
    }

    private double[] Rewards((int[] Prompt, int[] Completion)[] rows) =>
        PerRow(rewardModel.Transformer.Backend, rows, batchSize, _pad, (tape, batch) => rewardModel.Rewards(tape, batch.Inputs, batch.Targets));

    // Σ log p of each row's completion under a model.
    private double[] LogProbs(TinyGpt model, (int[] Prompt, int[] Completion)[] rows) =>
        PerRow(model.Model.Backend, rows, batchSize, _pad, (tape, batch) => SequenceLogProbs.Of(tape, model.Model.Forward(tape, batch.Inputs), batch.Targets));

    /// <summary>One number a row: the rows packed <paramref name="rowsPerBatch"/> at a time, each batch scored on a tape without gradients.</summary>
    internal static double[] PerRow(IBackend backend, IReadOnlyList<(int[] Prompt, int[] Completion)> rows, int rowsPerBatch, int pad,
        Func<Tape, TrainingBatch, Variable> score)
    {
        var result = new List<double>(rows.Count);
        foreach (var chunk in rows.Chunk(rowsPerBatch))
        {
            using var batch = PromptCompletionBatches.Pack(backend, chunk, pad);
            using var tape = new Tape(backend, recordGradients: false);
            result.AddRange(score(tape, batch).Data.ToArray<float>().Select(x => (double)x));
        }
        return [.. result];
    }

    private double PreferredRate(TinyGpt policy)
    {
        var rows = test.Select(p => RlhfRecipe.Encode(policy, p)).SelectMany(e => new[] { (e.Prompt, e.Chosen), (e.Prompt, e.Rejected) }).ToArray();
        double[] margin = [.. LogProbs(policy, rows).Zip(LogProbs(reference, rows), (a, b) => a - b)];
        return Enumerable.Range(0, test.Count).Average(k => margin[2 * k] > margin[2 * k + 1] ? 1.0 : margin[2 * k] == margin[2 * k + 1] ? 0.5 : 0.0);
    }
}

/// <summary>A reward model's held-out pair accuracy: the share of pairs it scores chosen above rejected, overall and per flaw.</summary>
public sealed record RewardAccuracy(double All, double Rude, double WrongSlot)
{
    public static RewardAccuracy Measure(RewardModel model, ITokenizer tokenizer, IReadOnlyList<PreferenceExample> pairs, int batchSize)
    {
        var rows = pairs.SelectMany(p => new[]
        {
            (tokenizer.Encode(p.Prompt), tokenizer.Encode(p.Chosen + InstructionTraining.EndOfAnswer)),
            (tokenizer.Encode(p.Prompt), tokenizer.Encode(p.Rejected + InstructionTraining.EndOfAnswer)),
        }).ToArray();
        var r = PolicyEvaluation.PerRow(model.Transformer.Backend, rows, 2 * batchSize, tokenizer.SpecialTokens.Pad ?? 0,
            (tape, batch) => model.Rewards(tape, batch.Inputs, batch.Targets));
        var right = pairs.Select((p, k) => (p.Flaw, Right: r[2 * k] > r[2 * k + 1])).ToArray();
        double Share(Func<string, bool> which) => right.Where(x => which(x.Flaw)).Select(x => x.Right ? 1.0 : 0.0).DefaultIfEmpty(double.NaN).Average();
        return new RewardAccuracy(Share(_ => true), Share(f => f == PreferenceFlaw.Rude), Share(f => f == PreferenceFlaw.WrongSlot));
    }
}
