using LlmLab.Evaluation;
using LlmLab.Generation;
using LlmLab.Random;

namespace LlmLab.Experiments;

/// <summary>One strategy's continuations (<c>Samples[prompt][sample]</c>, cut at their document end) and their diversity.</summary>
/// <param name="Distinct1">distinct-1 over all its samples (Li et al. 2016: distinct words / words).</param>
/// <param name="Distinct2">distinct-2 over all its samples (distinct word pairs / word pairs).</param>
/// <param name="RepetitionRate">Mean share of a sample's word 4-grams that repeat one earlier in it (Welleck et al.'s rep-4).</param>
/// <param name="MeanWords">Mean words a sample.</param>
/// <param name="Ended">Samples that reached a blank line (the corpus's document break) within the length limit.</param>
/// <param name="CorpusWords">Words of its samples that occur in the training corpus (<see cref="Experiments.CorpusWords"/>).</param>
/// <param name="Words">Words of its samples.</param>
public sealed record StrategySamples(SamplingStrategy Strategy, IReadOnlyList<IReadOnlyList<string>> Samples,
    double Distinct1, double Distinct2, double RepetitionRate, double MeanWords, int Ended, int CorpusWords, int Words)
{
    /// <summary>Share of the words that occur in the training corpus: real words rather than invented ones.</summary>
    public double CorpusWordShare => Words == 0 ? 0 : (double)CorpusWords / Words;
}

/// <summary>What <see cref="GenerateRecipe.Compare"/> measured: the prompts and each strategy's samples and diversity.</summary>
public sealed record GenerationComparison(IReadOnlyList<string> Prompts, IReadOnlyList<StrategySamples> Strategies);

/// <summary>
/// The generate recipe: a model (loaded or pre-trained here), then every strategy continues every prompt with the
/// KV cache, draws seeded from the run's seed (a random stream per strategy, a seed per prompt from it). The first
/// sample of each strategy streams to the console. Report: distinct-1/2, rep-4 and mean length per strategy, and a
/// sample per strategy and prompt.
/// </summary>
public static class GenerateRecipe
{
    /// <summary>Repetition within a sample is counted on word n-grams of this length (seq-rep-4).</summary>
    public const int RepetitionN = 4;

    public static void Run(GenerateConfig config, ExperimentContext context)
    {
        // Configuration mistakes show before minutes of pre-training.
        SamplingStrategy.Parse(config);
        Prompts(config);
        Compare(ModelSource.Obtain(context, config.BaseModel, config.PretrainSteps, config.Tokenizer, config.VocabularySize,
            checkpointInterval: config.CheckpointInterval), config, context);
    }

    /// <summary>The comparison on <paramref name="model"/>, recorded as two tables titled "generate: ...".</summary>
    public static GenerationComparison Compare(TinyGpt model, GenerateConfig config, ExperimentContext context)
    {
        var strategies = SamplingStrategy.Parse(config);
        var prompts = Prompts(config);
        var ids = prompts.Select(p => GeneratedText.Encode(model, p, nameof(GenerateConfig.Prompts))).ToArray();
        var corpusWords = CorpusWords.Of(context.Seed);
        var results = new List<StrategySamples>();
        using var progress = context.Progress("generate", strategies.Count * prompts.Count);
        foreach (var strategy in strategies)
        {
            var seeds = context.Random($"generate.{strategy.Name}");
            var samples = new List<IReadOnlyList<string>>();
            int ended = 0;
            for (int p = 0; p < prompts.Count; p++)
            {
                context.Cancellation.ThrowIfCancellationRequested();
                var options = new GenerationOptions { MaxNewTokens = config.MaxNewTokens, Sampling = strategy.Options, Seed = NextSeed(seeds) };
                // Greedy decoding gives every sample the same text: generate it once.
                int rows = strategy.IsGreedy ? 1 : config.SamplesPerPrompt;
                string[] raw = GeneratedText.Continue(model, ids[p], rows, options, context, p == 0 ? strategy.ToString() : null);
                if (strategy.IsGreedy) raw = [.. Enumerable.Repeat(raw[0], config.SamplesPerPrompt)];
                ended += raw.Count(t => t.Contains(GeneratedText.DocumentBreak, StringComparison.Ordinal));
                samples.Add([.. raw.Select(GeneratedText.UpToDocumentEnd)]);
                progress.Increment();
            }
            results.Add(Measure(strategy, samples, ended, corpusWords));
        }
        var comparison = new GenerationComparison(prompts, results);
        Report(comparison, config, context);
        return comparison;
    }

    private static StrategySamples Measure(SamplingStrategy strategy, List<IReadOnlyList<string>> samples, int ended, CorpusWords corpusWords)
    {
        var all = samples.SelectMany(s => s).ToList();
        double meanWords = all.Average(t => (double)t.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length);
        var (known, words) = corpusWords.Count(all);
        return new StrategySamples(strategy, samples, GenerationDiversity.DistinctN(all, 1), GenerationDiversity.DistinctN(all, 2),
            GenerationDiversity.MeanRepetitionRate(all, RepetitionN), meanWords, ended, known, words);
    }

    private static void Report(GenerationComparison comparison, GenerateConfig config, ExperimentContext context)
    {
        var results = comparison.Strategies;
        context.Table("generate: diversity by strategy",
            ["strategy", "distinct-1", "distinct-2", $"repetition rate (rep-{RepetitionN})", "mean length (words)", "words in the corpus (%)"],
            results.Select(r => (IReadOnlyList<object?>)[r.Strategy.ToString(), r.Distinct1, r.Distinct2, r.RepetitionRate, r.MeanWords, 100 * r.CorpusWordShare]),
            DiversitySentence(results, config.SamplesPerPrompt * comparison.Prompts.Count) + " " + CorpusWordSentence(results));

        context.Table("generate: samples",
            ["strategy", "prompt", "continuation (first sample)"],
            results.SelectMany(r => comparison.Prompts.Select((prompt, p) =>
                (IReadOnlyList<object?>)[r.Strategy.Name, GeneratedText.ForTable(prompt, 40), GeneratedText.ForTable(r.Samples[p][0])])),
            $"{results.Sum(r => r.Ended)} of {results.Count * config.SamplesPerPrompt * comparison.Prompts.Count} samples reached a blank line "
            + $"(the corpus's document break, where a sample stops) within {config.MaxNewTokens} tokens; ↵ marks a line break, … a cut.");

        foreach (var r in results) context.Summary($"{r.Strategy.Name} distinct-2", r.Distinct2);
        if (results.FirstOrDefault(r => r.Strategy.IsGreedy) is { } greedy) context.Summary("greedy words in corpus", greedy.CorpusWordShare);
        var sampled = results.Where(r => !r.Strategy.IsGreedy).ToList();
        if (sampled.Count > 0) context.Summary("sampled words in corpus", (double)sampled.Sum(r => r.CorpusWords) / Math.Max(1, sampled.Sum(r => r.Words)));
    }

    /// <summary>How many generated words are real words of the corpus, from the counts.</summary>
    private static string CorpusWordSentence(IReadOnlyList<StrategySamples> results)
    {
        int known = results.Sum(r => r.CorpusWords), words = results.Sum(r => r.Words);
        var worst = results.MinBy(r => r.CorpusWordShare)!;
        return $"{NumberFormat.Percent(words == 0 ? 0 : (double)known / words)} of the {words} generated words occur in the training corpus"
            + (results.Count > 1 ? $" ({worst.Strategy.Name}, the lowest, {NumberFormat.Percent(worst.CorpusWordShare)})." : ".");
    }

    private static string DiversitySentence(IReadOnlyList<StrategySamples> results, int samplesEach)
    {
        string Share(double fraction) => NumberFormat.Percent(fraction);
        string Number(double value) => NumberFormat.Significant(value);
        if (results.Count == 1)
        {
            var only = results[0];
            return $"{only.Strategy.Name}: distinct-2 {Number(only.Distinct2)} over {samplesEach} samples, {Share(only.RepetitionRate)} of a sample's word "
                + $"{RepetitionN}-grams repeated, {Number(only.MeanWords)} words a sample.";
        }
        var varied = results.MaxBy(r => r.Distinct2)!;
        var uniform = results.MinBy(r => r.Distinct2)!;
        var repetitive = results.MaxBy(r => r.RepetitionRate)!;
        var fresh = results.MinBy(r => r.RepetitionRate)!;
        string repetition = repetitive.RepetitionRate == fresh.RepetitionRate
            ? $"within a sample, every strategy repeats {Share(fresh.RepetitionRate)} of its word {RepetitionN}-grams"
            : $"within a sample, {repetitive.Strategy.Name} repeats {Share(repetitive.RepetitionRate)} of its word {RepetitionN}-grams and {fresh.Strategy.Name} {Share(fresh.RepetitionRate)}";
        return $"Over {samplesEach} samples each, {varied.Strategy.Name} writes the most varied text (distinct-2 {Number(varied.Distinct2)}) "
            + $"and {uniform.Strategy.Name} the least ({Number(uniform.Distinct2)}); {repetition}.";
    }

    /// <summary>The prompts of <see cref="GenerateConfig.Prompts"/>: split at '|', each trimmed, empty ones dropped.</summary>
    public static IReadOnlyList<string> Prompts(GenerateConfig config)
    {
        var prompts = config.Prompts.Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return prompts.Length > 0 ? prompts : throw new ExperimentConfigException("Prompts: give at least one prompt (prompts are separated by '|')");
    }

    // 64 bits from three draws of the strategy's stream (24 + 24 + 16 bits).
    private static ulong NextSeed(RandomStream stream) =>
        (ulong)(uint)stream.NextInt(1 << 24) << 40 | (ulong)(uint)stream.NextInt(1 << 24) << 16 | (uint)stream.NextInt(1 << 16);
}
