using LlmLab.Tensors;

namespace LlmLab.Evaluation;

/// <summary>
/// Perplexity from a model's log-likelihoods: exp of the mean negative log-likelihood per token (natural log),
/// the quantity behind Hugging Face's <c>exp(loss)</c>. Pooling several sequences' tokens gives the token-weighted
/// corpus perplexity; <see cref="MeanOverSequences"/> gives HF <c>evaluate</c>'s "mean_perplexity" instead
/// (the plain mean of per-sequence perplexities). Sums run in float64, in index order.
/// </summary>
public static class Perplexity
{
    /// <summary>exp(-mean(log p)) over the tokens' log-probabilities (each &lt;= 0).</summary>
    public static double FromLogLikelihoods(ReadOnlySpan<double> tokenLogProbabilities)
    {
        if (tokenLogProbabilities.IsEmpty) throw new ArgumentException("perplexity needs at least one token");
        double sum = 0;
        foreach (double lp in tokenLogProbabilities) sum += lp;
        return Math.Exp(-sum / tokenLogProbabilities.Length);
    }

    /// <summary>exp(mean negative log-likelihood), e.g. from a causal-LM loss.</summary>
    public static double FromMeanNegativeLogLikelihood(double meanNll) => Math.Exp(meanNll);

    /// <summary>The mean over sequences of each sequence's perplexity (HF evaluate's "mean_perplexity").</summary>
    public static double MeanOverSequences(IReadOnlyList<double[]> sequences)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        if (sequences.Count == 0) throw new ArgumentException("perplexity needs at least one sequence");
        double sum = 0;
        foreach (var s in sequences) sum += FromLogLikelihoods(s);
        return sum / sequences.Count;
    }

    /// <summary>
    /// Each target's log-probability under log-softmax of its logits row: <paramref name="logits"/> is row-major
    /// [targets.Length, vocabularySize], row t scoring targets[t] (the caller aligns: for a causal LM, logits at
    /// position t predict token t + 1). Targets equal to <paramref name="ignoreIndex"/> are skipped.
    /// </summary>
    public static double[] TokenLogLikelihoods(ReadOnlySpan<float> logits, int vocabularySize, ReadOnlySpan<int> targets, int ignoreIndex = -100)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabularySize, 1);
        if (logits.Length != (long)targets.Length * vocabularySize)
            throw new ArgumentException($"perplexity: logits hold {logits.Length} values, expected [{targets.Length}, {vocabularySize}]");
        var result = new List<double>(targets.Length);
        for (int t = 0; t < targets.Length; t++)
        {
            int target = targets[t];
            if (target == ignoreIndex) continue;
            if ((uint)target >= (uint)vocabularySize)
                throw new ArgumentException($"perplexity: target {target} at position {t} is outside the vocabulary [0, {vocabularySize})");
            var row = logits.Slice(t * vocabularySize, vocabularySize);
            double max = double.NegativeInfinity;
            foreach (float v in row) max = Math.Max(max, v);
            double sumExp = 0;
            foreach (float v in row) sumExp += Math.Exp(v - max);
            result.Add(row[target] - max - Math.Log(sumExp));
        }
        return result.ToArray();
    }

    /// <summary>Perplexity straight from logits and targets (see <see cref="TokenLogLikelihoods"/>).</summary>
    public static double FromLogits(ReadOnlySpan<float> logits, int vocabularySize, ReadOnlySpan<int> targets, int ignoreIndex = -100) =>
        FromLogLikelihoods(TokenLogLikelihoods(logits, vocabularySize, targets, ignoreIndex));

    /// <summary>
    /// Perplexity from an f32 logits tensor on any backend, shaped [..., vocabulary] with one row per target
    /// (e.g. [T, V], or [1, T, V] for one sequence); the rows are copied to the host and scored in float64.
    /// </summary>
    public static double FromLogits(Tensor logits, ReadOnlySpan<int> targets, int ignoreIndex = -100)
    {
        ArgumentNullException.ThrowIfNull(logits);
        logits.RequireType(DType.F32);
        if (logits.Shape.Rank == 0 || logits.Shape.Rows != targets.Length)
            throw new ArgumentException($"perplexity: logits of shape {logits.Shape} do not hold one row per target ({targets.Length} targets)");
        return FromLogits(logits.ToArray<float>(), logits.Shape.Last, targets, ignoreIndex);
    }
}
