namespace LlmLab.Scaling;

/// <summary>
/// An Approach 3 fit (<see cref="ChinchillaFitter.Fit(IReadOnlyList{ScalingPoint}, double)"/>): the law, the Huber objective it reached (summed over
/// the runs, in log-loss units, so comparable only between fits with the same delta and points) and how many runs it saw.
/// </summary>
public sealed record ScalingFit(ScalingLaw Law, double HuberLoss, int Points);
