namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// HF's RepetitionPenaltyLogitsProcessor: every token already in the sequence gets logit &lt; 0 ? logit * p :
/// logit / p, computed from the raw logit, so a token listed twice is penalised once. Ids outside [0, V) (negative
/// ids are padding) are ignored.
/// </summary>
internal static class RepetitionPenalty
{
    /// <summary>row[t] = penalised(logits[t]) / temperature for every previous token t (the rest of row is left as is).</summary>
    public static void Apply(ReadOnlySpan<float> logits, ReadOnlySpan<int> previous, float penalty, float temperature, Span<float> row)
    {
        foreach (int t in previous)
        {
            if ((uint)t >= (uint)logits.Length) continue;
            float x = logits[t];
            x = x < 0 ? x * penalty : x / penalty;
            row[t] = temperature == 1f ? x : x / temperature;
        }
    }
}
