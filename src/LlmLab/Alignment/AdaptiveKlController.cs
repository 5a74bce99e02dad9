namespace LlmLab.Alignment;

/// <summary>
/// The KL coefficient β of PPO's per-token penalty: fixed, or adapted toward a target KL as Ziegler et al. (2019) and
/// trl's AdaptiveKLController do it: after a rollout of n sequences whose mean KL was K, the error
/// e = clip(K / target - 1, -0.2, 0.2) multiplies β by 1 + e n / horizon.
/// </summary>
public sealed class AdaptiveKlController(double initial, double? target = null, double horizon = 10_000)
{
    public double Value { get; private set; } = initial >= 0 ? initial : throw new ArgumentOutOfRangeException(nameof(initial), initial, "the KL coefficient cannot be negative");
    /// <summary>The KL the coefficient steers toward; null for a fixed coefficient.</summary>
    public double? Target { get; } = target is null or > 0 ? target : throw new ArgumentOutOfRangeException(nameof(target), target, "the target KL must be positive");
    public double Horizon { get; } = horizon > 0 ? horizon : throw new ArgumentOutOfRangeException(nameof(horizon), horizon, "the horizon must be positive");

    /// <summary>Takes back a coefficient saved at a checkpoint.</summary>
    public void Restore(double value) =>
        Value = value >= 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "the KL coefficient must be finite and not negative");

    public void Update(double currentKl, int sequences)
    {
        if (Target is not double target) return;
        double error = Math.Clamp(currentKl / target - 1, -0.2, 0.2);
        Value *= 1 + error * sequences / Horizon;
    }
}
