namespace LlmLab.Tests.Infrastructure;

/// <summary>Fresh random inputs from a fixed seed (System.Random with a seed is stable across .NET versions).</summary>
public static class TestData
{
    /// <summary>Uniform values in [-scale, scale).</summary>
    public static float[] Uniform(int seed, long count, float scale = 1f)
    {
        var random = new System.Random(seed);
        var x = new float[count];
        for (long i = 0; i < count; i++) x[i] = (float)((random.NextDouble() * 2 - 1) * scale);
        return x;
    }

    /// <summary>Standard normal values times <paramref name="scale"/> (Box-Muller).</summary>
    public static float[] Normal(int seed, long count, float scale = 1f)
    {
        var random = new System.Random(seed);
        var x = new float[count];
        for (long i = 0; i < count; i++)
        {
            double u = 1 - random.NextDouble(), v = random.NextDouble();
            x[i] = (float)(Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v) * scale);
        }
        return x;
    }

    public static int[] Integers(int seed, long count, int minInclusive, int maxExclusive)
    {
        var random = new System.Random(seed);
        var x = new int[count];
        for (long i = 0; i < count; i++) x[i] = random.Next(minInclusive, maxExclusive);
        return x;
    }

    public static double[] ToDouble(float[] x) => Array.ConvertAll(x, v => (double)v);
}
