namespace LlmLab.Random;

/// <summary>
/// A named stream of random numbers from one seed: Philox keyed by the seed, with the stream's name hashed into the
/// counter, so adding draws to one stream (say "init.h.3") never shifts another. Deterministic on every machine:
/// the normal draws use the polar method with the managed log (no C-library sin or cos).
/// </summary>
public sealed class RandomStream(ulong seed, string name)
{
    private readonly uint _stream = Key(name);
    private ulong _counter;

    /// <summary>A float in [0, 1).</summary>
    public float NextUniform() => Philox.Uniform(seed, _counter++, _stream, 0x5EED);

    /// <summary>A standard normal float (Marsaglia's polar method).</summary>
    public float NextNormal()
    {
        while (true)
        {
            float u = 2 * NextUniform() - 1, v = 2 * NextUniform() - 1;
            float s = u * u + v * v;
            if (s is > 0 and < 1)
                return u * MathF.Sqrt(-2 * Numerics.ManagedMath.Log(s) / s);
        }
    }

    /// <summary>An integer in [0, count).</summary>
    public int NextInt(int count) => (int)Math.Min(count - 1, (long)(NextUniform() * count));

    public float[] Normal(long count, float std)
    {
        var values = new float[count];
        for (long i = 0; i < count; i++) values[i] = NextNormal() * std;
        return values;
    }

    /// <summary>A stream name as a 32-bit Philox key (FNV-1a over its UTF-16 units): the batch samplers use it too.</summary>
    internal static uint Key(string text)
    {
        uint hash = 2166136261;
        foreach (char c in text)
        {
            hash ^= c;
            hash *= 16777619;
        }
        return hash;
    }
}
