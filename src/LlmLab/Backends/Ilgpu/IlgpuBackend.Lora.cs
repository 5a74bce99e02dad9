using LlmLab.Backends.Ilgpu.Kernels;
using LlmLab.Tensors;

namespace LlmLab.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <summary>
    /// xa = x A^T first (a thin [rows, r] product), then one tiled kernel whose k runs over x W^T and goes on over
    /// (scale xa) B^T for the same output tile, so y is written once.
    /// </summary>
    public Tensor LoraLinear(Tensor x, Tensor weight, Tensor? bias, Tensor loraA, Tensor loraB, float scale)
    {
        Check.SameBackend(this, x, weight, bias, loraA, loraB);
        var d = Check.LoraLinear(x, weight, bias, loraA, loraB);
        var y = Output(x.Shape.With(-1, d.Out));
        if (d.Rows == 0 || d.Out == 0) return y;
        using var xa = Output(new Shape(d.Rows, d.Rank));
        var xv = View<float>(x);
        var av = View<float>(loraA);
        LaunchMatMul(1, new MatMulArgs
        {
            M = d.Rows, N = d.Rank, K1 = d.In,
            A1Row = d.In, A1K = 1, B1K = 1, B1Col = d.In, Scale1 = 1f,
        }, xv, av, xv, av, av, View<float>(xa));
        LaunchMatMul(1, new MatMulArgs
        {
            M = d.Rows, N = d.Out, K1 = d.In, K2 = d.Rank,
            A1Row = d.In, A1K = 1, B1K = 1, B1Col = d.In, Scale1 = 1f,
            A2Row = d.Rank, A2K = 1, B2K = 1, B2Col = d.Rank, Scale2 = scale,
            HasBias = bias is null ? 0 : 1,
        }, xv, View<float>(weight), View<float>(xa), View<float>(loraB), bias is null ? xv : View<float>(bias), View<float>(y));
        return y;
    }

    /// <summary>W += scale B A in place: the tiled kernel adding its product to what C holds.</summary>
    public void LoraMerge(Tensor weight, Tensor loraA, Tensor loraB, float scale)
    {
        Check.SameBackend(this, weight, loraA, loraB);
        var d = Check.LoraMerge(weight, loraA, loraB);
        if (weight.ElementCount == 0) return;
        var bv = View<float>(loraB);
        LaunchMatMul(1, new MatMulArgs
        {
            M = d.Out, N = d.In, K1 = d.Rank,
            A1Row = d.Rank, A1K = 1, B1K = d.In, B1Col = 1, Scale1 = scale,
            Accumulate = 1,
        }, bv, View<float>(loraA), bv, bv, bv, View<float>(weight));
    }
}
