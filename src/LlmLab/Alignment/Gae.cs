namespace LlmLab.Alignment;

/// <summary>
/// Generalised advantage estimation (Schulman et al. 2016) over one response, as trl's PPO computes it: with
/// δ_t = r_t + γ V_{t+1} - V_t (V after the last token is 0), A_t = δ_t + γ λ A_{t+1}; the value targets are the
/// returns A_t + V_t. trl's defaults: γ 1, λ 0.95.
/// </summary>
public static class Gae
{
    public static (double[] Advantages, double[] Returns) Compute(IReadOnlyList<double> rewards, IReadOnlyList<double> values, double gamma, double lambda)
    {
        if (rewards.Count != values.Count) throw new ArgumentException($"GAE: {rewards.Count} rewards for {values.Count} values");
        var advantages = new double[rewards.Count];
        double next = 0, following = 0;
        for (int t = rewards.Count - 1; t >= 0; t--)
        {
            double delta = rewards[t] + gamma * following - values[t];
            advantages[t] = next = delta + gamma * lambda * next;
            following = values[t];
        }
        return (advantages, [.. advantages.Select((a, t) => a + values[t])]);
    }

    /// <summary>(x - mean) / (std + 1e-8) over all values, the unbiased std as torch's var (trl's masked_whiten).</summary>
    public static double[] Whiten(IReadOnlyList<double> values)
    {
        if (values.Count < 2) throw new ArgumentException("whitening needs at least two values");
        double mean = values.Average();
        double variance = values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1);
        double scale = 1 / (Math.Sqrt(variance) + 1e-8);
        return [.. values.Select(v => (v - mean) * scale)];
    }
}
