namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// HF's MinPLogitsWarper: remove tokens with prob &lt; min_p * (largest prob), keeping the largest
/// min_tokens_to_keep. prob / largest prob = exp(logit - max), so the test is exp(x - max) &lt; min_p.
/// </summary>
internal static class MinP
{
    /// <summary>Filters the candidates <paramref name="list"/> (index order) in place; returns how many remain.</summary>
    public static int Apply(ReadOnlySpan<float> row, Span<int> list, float max, float minP, int minTokensToKeep, WarperScratch scratch)
    {
        var weights = scratch.Weights.AsSpan(0, list.Length);
        SoftmaxWeights.Compute(row, list, max, weights);
        ulong cut = minTokensToKeep > 1 ? CompositeCut.Largest(row, list, minTokensToKeep, scratch) : ulong.MaxValue;
        int kept = 0;
        for (int j = 0; j < list.Length; j++)
        {
            int i = list[j];
            if (weights[j] >= minP || FloatOrder.Composite(row[i], i) >= cut) list[kept++] = i;
        }
        return kept;
    }
}
