namespace LlmLab.Scaling;

/// <summary>
/// One training run for a scaling-law fit: <paramref name="N"/> parameters trained on <paramref name="D"/> tokens
/// to a final <paramref name="Loss"/> (nats per token), and optionally the compute it used <paramref name="C"/>
/// (FLOPs), for when the runs were planned on compute budgets that 6ND does not reproduce exactly.
/// </summary>
public sealed record ScalingPoint(double N, double D, double Loss, double? C = null)
{
    /// <summary>The compute of the run: <see cref="C"/> when given, else 6ND.</summary>
    public double Compute => C ?? TransformerFlops.Approximate(N, D);

    /// <summary>Throws <see cref="ArgumentException"/> naming point <paramref name="index"/> (0-based) when a value
    /// is not a positive finite number, since every fit takes logarithms of them.</summary>
    internal void Check(int index)
    {
        Positive(N, "N", index);
        Positive(D, "D", index);
        Positive(Loss, "loss", index);
        if (C is { } c) Positive(c, "C", index);
    }

    private static void Positive(double value, string name, int index)
    {
        if (!(value > 0) || !double.IsFinite(value))
            throw new ArgumentException($"scaling point {index}: {name} must be a positive finite number, got {value.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
    }

    /// <summary>Checks every point (see <see cref="Check"/>) and that there are at least <paramref name="minimum"/>
    /// of them for <paramref name="purpose"/>.</summary>
    internal static void CheckAll(IReadOnlyList<ScalingPoint> points, int minimum, string purpose)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count < minimum)
            throw new ArgumentException($"{purpose} needs at least {minimum} points, got {points.Count}");
        for (int i = 0; i < points.Count; i++)
        {
            if (points[i] is null) throw new ArgumentException($"scaling point {i} is null");
            points[i].Check(i);
        }
    }
}
