namespace LlmLab.Alignment;

/// <summary>
/// Per-token estimators of KL(π || π_ref) from a token drawn from π (Schulman, "Approximating KL divergence", 2020):
/// with log-ratio d = log π(x) - log π_ref(x), k1 = d (unbiased, can be negative; trl's "kl") and
/// k3 = (e^-d - 1) + d (unbiased, never negative, and of lower variance).
/// </summary>
public enum KlEstimator
{
    K1,
    K3,
}

public static class KlEstimators
{
    /// <summary>The estimate for one token from its log-probabilities under the policy and the reference.</summary>
    public static double Estimate(KlEstimator estimator, double logProb, double referenceLogProb)
    {
        double d = logProb - referenceLogProb;
        return estimator switch
        {
            KlEstimator.K1 => d,
            KlEstimator.K3 => Math.Exp(-d) - 1 + d,
            _ => throw new ArgumentOutOfRangeException(nameof(estimator), estimator, "not a KL estimator"),
        };
    }
}
