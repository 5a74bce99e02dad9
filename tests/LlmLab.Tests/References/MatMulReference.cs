using Xunit.Sdk;

namespace LlmLab.Tests.References;

/// <summary>
/// Float64 matmul straight from the definition, with the error scale of each output: sum over k of |a_ik b_kj|
/// (a float32 sum of K products is off by a small multiple of this, whatever the order).
/// </summary>
public static class MatMulReference
{
    /// <summary>
    /// C = op(A) op(B) + bias for <paramref name="batch"/> matrices; A [batch, M, K] (or [batch, K, M] when
    /// <paramref name="transposeA"/>), B [batch or 1, K, N] (or [.., N, K]), bias [N] or null.
    /// </summary>
    public static (double[] C, double[] Magnitude) MatMul(float[] a, float[] b, float[]? bias, int batch, int m, int n, int k,
        bool transposeA, bool transposeB, bool sharedB)
    {
        var c = new double[(long)batch * m * n];
        var magnitude = new double[c.Length];
        for (int p = 0; p < batch; p++)
        {
            long aBase = (long)p * m * k, bBase = sharedB ? 0 : (long)p * k * n, cBase = (long)p * m * n;
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double sum = 0, size = 0;
                    for (int q = 0; q < k; q++)
                    {
                        double x = transposeA ? a[aBase + (long)q * m + i] : a[aBase + (long)i * k + q];
                        double y = transposeB ? b[bBase + (long)j * k + q] : b[bBase + (long)q * n + j];
                        sum += x * y;
                        size += Math.Abs(x * y);
                    }
                    if (bias is not null)
                    {
                        sum += bias[j];
                        size += Math.Abs(bias[j]);
                    }
                    c[cBase + (long)i * n + j] = sum;
                    magnitude[cBase + (long)i * n + j] = size;
                }
        }
        return (c, magnitude);
    }

    /// <summary>|actual - expected| &lt;= rel * magnitude + abs for every element.</summary>
    public static void AssertWithin(double[] expected, double[] magnitude, float[] actual, double rel, double abs, string what)
    {
        if (expected.Length != actual.Length)
            throw new XunitException($"{what}: expected {expected.Length} values, got {actual.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = rel * magnitude[i] + abs;
            if (!(Math.Abs(actual[i] - expected[i]) <= tolerance))
                throw new XunitException(
                    $"{what}: at index {i} of {expected.Length}, expected {expected[i]:R}, got {actual[i]:R} " +
                    $"(difference {Math.Abs(actual[i] - expected[i]):E3}, tolerance {tolerance:E3})");
        }
    }
}
