using LlmLab.Tensors;

namespace LlmLab.Backends;

/// <summary>
/// The sizes of one matmul call: <see cref="Batch"/> matrices C [M, N] = op(A) [M, K] op(B) [K, N];
/// <see cref="SharedB"/> when B is a single matrix used by every batch.
/// </summary>
internal readonly record struct MatMulDims(int Batch, int M, int N, int K, bool SharedB, Shape Output);

internal static partial class Check
{
    /// <summary>Shapes and dtypes of <see cref="IBackend.MatMul"/>; the error names both shapes.</summary>
    public static MatMulDims MatMul(Tensor a, Tensor b, bool transposeA, bool transposeB, Tensor? bias)
    {
        F32(a, "matmul's a");
        F32(b, "matmul's b");
        string shapes = $"a {a.Shape}{(transposeA ? " (transposed)" : "")} and b {b.Shape}{(transposeB ? " (transposed)" : "")}";
        if (a.Rank < 2 || b.Rank < 2)
            throw new ArgumentException($"matmul needs matrices (rank 2 or more): {shapes}");
        int m = transposeA ? a.Shape[-1] : a.Shape[-2];
        int ka = transposeA ? a.Shape[-2] : a.Shape[-1];
        int kb = transposeB ? b.Shape[-1] : b.Shape[-2];
        int n = transposeB ? b.Shape[-2] : b.Shape[-1];
        if (ka != kb)
            throw new ArgumentException($"matmul: inner dimensions differ ({ka} and {kb}): {shapes}");

        var batchDims = a.Shape.Dims[..^2];
        bool shared = b.Rank == 2;
        if (!shared && !b.Shape.Dims[..^2].SequenceEqual(batchDims))
            throw new ArgumentException($"matmul: b's batch dimensions must equal a's or be absent: {shapes}");
        long batch = 1;
        foreach (int d in batchDims) batch *= d;

        if (bias is not null)
        {
            F32(bias, "matmul's bias");
            if (bias.Rank != 1 || bias.Shape[0] != n)
                throw new ArgumentException($"matmul: bias must be [{n}] (the output's last dimension), got {bias.Shape} for {shapes}");
        }
        var output = new int[a.Rank];
        batchDims.CopyTo(output);
        output[^2] = m;
        output[^1] = n;
        return new MatMulDims((int)batch, m, n, ka, shared, new Shape(output));
    }
}
