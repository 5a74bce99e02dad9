namespace LlmLab.Random;

/// <summary>
/// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011): a counter-based
/// generator. The output is a pure function of (key, counter), so draw n of stream s never depends on how many
/// draws happened elsewhere, and the same code runs inside ILGPU kernels (plain uint arithmetic, no state).
/// </summary>
public static class Philox
{
    private const uint M0 = 0xD2511F53, M1 = 0xCD9E8D57, W0 = 0x9E3779B9, W1 = 0xBB67AE85;

    /// <summary>Ten Philox rounds of counter (c0..c3) under key (k0, k1); returns the four output words in place.</summary>
    public static void Block(ref uint c0, ref uint c1, ref uint c2, ref uint c3, uint k0, uint k1)
    {
        for (int round = 0; round < 10; round++)
        {
            ulong p0 = (ulong)M0 * c0, p1 = (ulong)M1 * c2;
            uint n0 = (uint)(p1 >> 32) ^ c1 ^ k0;
            uint n2 = (uint)(p0 >> 32) ^ c3 ^ k1;
            c1 = (uint)p1;
            c3 = (uint)p0;
            c0 = n0;
            c2 = n2;
            k0 += W0;
            k1 += W1;
        }
    }

    /// <summary>A float in [0, 1) with 24 random bits, from the first output word of block (seed; a, b, c).</summary>
    public static float Uniform(ulong seed, ulong a, uint b, uint c)
    {
        uint c0 = (uint)a, c1 = (uint)(a >> 32), c2 = b, c3 = c;
        Block(ref c0, ref c1, ref c2, ref c3, (uint)seed, (uint)(seed >> 32));
        return (c0 >> 8) * (1f / 16777216f);
    }
}
