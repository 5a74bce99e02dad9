namespace LlmLab.Alignment;

/// <summary>A clipped PPO loss's value, its derivative with respect to each input, and the share of entries the clip held.</summary>
public sealed record ClippedLoss(double Value, double[] Gradient, double ClipFraction);

/// <summary>
/// PPO's clipped losses over the tokens of a minibatch, as trl computes them (means over the tokens):
/// the policy loss mean(max(-A r, -A clip(r, 1 - ε, 1 + ε))) with r = exp(log π - log π_old), and the value loss
/// 0.5 mean(max((V - R)², (V_old + clip(V - V_old, -ε_v, ε_v) - R)²)). Each comes with its exact derivative with
/// respect to the new log-probabilities or values where it is evaluated (the max and the clip are piecewise: where
/// the clipped term wins, the derivative is 0).
/// </summary>
public static class PpoLosses
{
    public static ClippedLoss Policy(IReadOnlyList<double> logProbs, IReadOnlyList<double> oldLogProbs, IReadOnlyList<double> advantages, double clipRange)
    {
        int n = Check(logProbs.Count, oldLogProbs.Count, advantages.Count);
        double sum = 0, clipped = 0;
        var gradient = new double[n];
        for (int i = 0; i < n; i++)
        {
            double ratio = Math.Exp(logProbs[i] - oldLogProbs[i]);
            double plain = -advantages[i] * ratio, held = -advantages[i] * Math.Clamp(ratio, 1 - clipRange, 1 + clipRange);
            sum += Math.Max(plain, held);
            if (held > plain) clipped++;
            else gradient[i] = -advantages[i] * ratio / n;
        }
        return new ClippedLoss(sum / n, gradient, clipped / n);
    }

    public static ClippedLoss Value(IReadOnlyList<double> values, IReadOnlyList<double> oldValues, IReadOnlyList<double> returns, double clipRange)
    {
        int n = Check(values.Count, oldValues.Count, returns.Count);
        double sum = 0, clipped = 0;
        var gradient = new double[n];
        for (int i = 0; i < n; i++)
        {
            double held = oldValues[i] + Math.Clamp(values[i] - oldValues[i], -clipRange, clipRange);
            double plain = (values[i] - returns[i]) * (values[i] - returns[i]), far = (held - returns[i]) * (held - returns[i]);
            sum += Math.Max(plain, far);
            if (far > plain) clipped++;
            else gradient[i] = (values[i] - returns[i]) / n;
        }
        return new ClippedLoss(0.5 * sum / n, gradient, clipped / n);
    }

    private static int Check(int a, int b, int c) =>
        a == b && b == c && a > 0 ? a : throw new ArgumentException($"PPO losses need as many new, old and target entries (> 0), got {a}, {b} and {c}");
}
