using Xunit.Sdk;

namespace LlmLab.Tests.Infrastructure;

/// <summary>Compares a kernel's f32 output with a float64 reference: |actual - expected| <= abs + rel * |expected|.</summary>
public static class AssertClose
{
    public static void Within(double[] expected, float[] actual, double abs, double rel = 0, string what = "") =>
        Within(expected, TestData.ToDouble(actual), abs, rel, what);

    /// <summary>The same for float64 results (host-side computations).</summary>
    public static void Within(double[] expected, double[] actual, double abs, double rel = 0, string what = "")
    {
        if (expected.Length != actual.Length)
            throw new XunitException($"{what}: expected {expected.Length} values, got {actual.Length}");
        int worst = -1;
        double worstExcess = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            if (double.IsNaN(e) || double.IsInfinity(e))
            {
                if (!e.Equals(a)) throw new XunitException($"{what}: at {i} expected {e}, got {a}");
                continue;
            }
            double excess = Math.Abs(a - e) - (abs + rel * Math.Abs(e));
            if (double.IsNaN(a) || excess > worstExcess)
            {
                worst = i;
                worstExcess = double.IsNaN(a) ? double.PositiveInfinity : excess;
            }
        }
        if (worst >= 0)
            throw new XunitException(
                $"{what}: at index {worst} of {expected.Length}, expected {expected[worst]:R}, got {actual[worst]:R} " +
                $"(difference {Math.Abs(actual[worst] - expected[worst]):E3}, tolerance {abs:E1} + {rel:E1} x |expected|)");
    }

    public static void Within(float[] expected, float[] actual, double abs, double rel = 0, string what = "") =>
        Within(TestData.ToDouble(expected), actual, abs, rel, what);

    /// <summary>Bit-for-bit equality (determinism checks).</summary>
    public static void BitIdentical(float[] expected, float[] actual, string what = "")
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                throw new XunitException($"{what}: bits differ at {i}: {expected[i]:R} vs {actual[i]:R}");
    }
}
