using ILGPU;

namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>
/// Rotary embedding, one thread per (row, pair i): y[i] = x[i] cos - x[i + half] sin, y[i + half] = x[i + half] cos
/// + x[i] sin. The angle is the exact integer product position * turns[i] mod 2^64 (turns[i]: the pair's turns per
/// position as a 64-bit fraction, from <see cref="Cpu.Kernels.RotaryAngles"/>), so it needs no float argument
/// reduction; the remainder after taking out quadrants (at most pi/4) goes through Cephes' float sin/cos polynomials.
/// sign = -1 rotates by minus the angle (the transpose: rope's backward pass). Consecutive threads take
/// consecutive pairs of a row, so loads and stores are coalesced.
/// </summary>
internal static class RopeKernel
{
    /// <summary>2 pi / 2^64 in float.</summary>
    private const float RadiansPerUnit = 3.40612158e-19f;

    public static void Rope(ArrayView<float> x, ArrayView<int> positions, int perBatch, ArrayView<ulong> turns,
        int heads, int time, int half, int pairs, float sign, ArrayView<float> y)
    {
        int p = Grid.IdxX * Group.DimX + Group.IdxX;
        if (p >= pairs) return;
        int i = p % half, row = p / half;
        int t = row % time, batch = row / (heads * time);
        int position = positions[perBatch != 0 ? batch * time + t : t];

        ulong turn = (ulong)(long)position * turns[i];
        int quadrant = (int)((turn + (1UL << 61)) >> 62);
        float r = (long)(turn - ((ulong)quadrant << 62)) * RadiansPerUnit; // in [-pi/4, pi/4)
        float z = r * r;
        float sinR = ((-1.9515295891e-4f * z + 8.3321608736e-3f) * z - 1.6666654611e-1f) * z * r + r;
        float cosR = ((2.443315711809948e-5f * z - 1.388731625493765e-3f) * z + 4.166664568298827e-2f) * z * z - 0.5f * z + 1f;
        // angle = quadrant * pi/2 + r
        float cos = (quadrant & 1) == 0 ? cosR : sinR;
        float sin = (quadrant & 1) == 0 ? sinR : cosR;
        if (quadrant == 1 || quadrant == 2) cos = -cos;
        if (quadrant >= 2) sin = -sin;
        sin *= sign; // -1: rotation by minus the angle (the backward pass)

        long at = (long)row * 2 * half + i;
        float a = x[at], b = x[at + half];
        y[at] = a * cos - b * sin;
        y[at + half] = b * cos + a * sin;
    }
}
