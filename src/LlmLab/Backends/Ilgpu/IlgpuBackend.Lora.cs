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

    /// <summary>
    /// QLoRA: xa = x A^T, then for prefill over Q8_0/Q4_0 one tile kernel whose k runs over x W^T (W dequantised as
    /// its slices are staged) and goes on over (scale xa) B^T, as <see cref="LoraLinear"/> does in f32. A decode step
    /// (up to 4 rows), and any int8 weight, takes the quantised matmul and adds the thin low-rank product to y in a
    /// second launch: the tile kernel sums int8 rows as integers and divides each column by its scale at the end,
    /// which would divide segment 2's sum too.
    /// </summary>
    public Tensor LoraLinearQuantized(Tensor x, QuantizedWeight weight, Tensor? bias, Tensor loraA, Tensor loraB, float scale)
    {
        var d = Check.LoraLinearQuantized(x, weight, bias, loraA, loraB);
        Check.SameBackend(this, x, loraA, loraB);
        if (d.Rows <= QuantizedMatVecRows || weight.Int8 is not null)
        {
            var product = MatMulQuantized(x, weight, bias);
            if (d.Rows == 0 || d.Out == 0) return product;
            using var xaDecode = LowRankInput(x, loraA, d);
            var xav = View<float>(xaDecode);
            var bv = View<float>(loraB);
            LaunchMatMul(1, new MatMulArgs
            {
                M = d.Rows, N = d.Out, K1 = d.Rank,
                A1Row = d.Rank, A1K = 1, B1K = 1, B1Col = d.Rank, Scale1 = scale, Accumulate = 1,
            }, xav, bv, xav, bv, bv, View<float>(product));
            return product;
        }
        Check.SameBackend(this, weight.Blocks!, bias);   // Q8_0 or Q4_0 from here on
        var y = Output(x.Shape.With(-1, d.Out));
        if (d.Out == 0) return y;
        using var xa = LowRankInput(x, loraA, d);
        var args = QuantizedPrefillArgs(d.Rows, d.Out, d.In, weight, bias is not null) with
        {
            K2 = d.Rank, A2Row = d.Rank, A2K = 1, B2K = 1, B2Col = d.Rank, Scale2 = scale,
        };
        var xv = View<float>(x);
        LaunchMatMul(1, args, xv, xv, View<float>(xa), View<float>(loraB), bias is null ? xv : View<float>(bias), View<float>(y),
            QuantizedOperand(weight, xv));
        return y;
    }

    /// <summary>xa = x A^T [rows, r]: the thin first product of a LoRA layer.</summary>
    private Tensor LowRankInput(Tensor x, Tensor loraA, LoraDims d)
    {
        var xa = Output(new Shape(d.Rows, d.Rank));
        var xv = View<float>(x);
        var av = View<float>(loraA);
        LaunchMatMul(1, new MatMulArgs
        {
            M = d.Rows, N = d.Rank, K1 = d.In,
            A1Row = d.In, A1K = 1, B1K = 1, B1Col = d.In, Scale1 = 1f,
        }, xv, av, xv, av, av, View<float>(xa));
        return xa;
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
