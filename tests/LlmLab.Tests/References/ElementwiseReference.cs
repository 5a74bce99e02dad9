namespace LlmLab.Tests.References;

/// <summary>Float64 definitions of the elementwise ops, straight from the formulas.</summary>
public static class ElementwiseReference
{
    public static double Gelu(double x) => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    /// <summary>Exact GELU: x Φ(x) = 0.5 x erfc(-x/√2) (erfc keeps the negative tail's relative accuracy).</summary>
    public static double GeluErf(double x) => 0.5 * x * Erfc(-x / Math.Sqrt(2));

    /// <summary>
    /// erf in float64 from Math.Exp alone: below |x| = 3 the all-positive series
    /// erf(x) = 2/√π e^(-x²) Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)) (no cancellation), above it 1 - erfc.
    /// </summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x)) return x;
        if (Math.Abs(x) >= 3) return Math.CopySign(1 - Erfc(Math.Abs(x)), x);
        double term = x, sum = x;
        for (int n = 1; Math.Abs(term) > 1e-17 * Math.Abs(sum); n++)
        {
            term *= 2 * x * x / (2 * n + 1);
            sum += term;
        }
        return 2 / Math.Sqrt(Math.PI) * Math.Exp(-x * x) * sum;
    }

    /// <summary>
    /// erfc = 1 - erf; for x ≥ 3 Laplace's continued fraction e^(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …))))
    /// with 80 terms (relative error below 1e-13 there), so tiny tails are exact to float64 precision.
    /// </summary>
    public static double Erfc(double x)
    {
        if (x < 3) return 1 - Erf(x);
        double k = x;
        for (int n = 80; n >= 1; n--) k = x + n / 2.0 / k;
        return Math.Exp(-x * x) / (Math.Sqrt(Math.PI) * k);
    }

    public static double Silu(double x) => x / (1 + Math.Exp(-x));
    public static double Relu(double x) => Math.Max(x, 0);

    public static double[] Broadcast(double[] a, double[] b, Func<double, double, double> f)
    {
        var y = new double[a.Length];
        for (int i = 0; i < a.Length; i++) y[i] = f(a[i], b[i % b.Length]);
        return y;
    }
}
