using LlmLab.Backends;
using LlmLab.Tensors;

namespace LlmLab.Autograd;

public sealed partial class Tape
{
    /// <summary>
    /// C = op(A) op(B) + bias (see <see cref="IBackend.MatMul"/>). Backward, for C = A B: dA = dC Bᵀ, dB = Aᵀ dC,
    /// dbias = dC summed over rows; the transposed layouts swap operands, so each gradient is one more matmul. A
    /// shared B (rank 2) under a batched A gets the gradient summed over the batch.
    /// </summary>
    public Variable MatMul(Variable a, Variable b, bool transposeA = false, bool transposeB = false, Variable? bias = null)
    {
        var output = Backend.MatMul(a.Data, b.Data, transposeA, transposeB, bias?.Data);
        return Record(output, dC =>
        {
            if (a.RequiresGrad) Accumulate(a, MatMulGradA(a.Data, b.Data, dC, transposeA, transposeB));
            if (b.RequiresGrad) Accumulate(b, MatMulGradB(a.Data, b.Data, dC, transposeA, transposeB));
            if (bias is { RequiresGrad: true }) Accumulate(bias, Backend.SumLeading(dC.Reshape(-1, dC.Shape.Last)));
        }, bias is null ? [a, b] : [a, b, bias]);
    }

    /// <summary>
    /// LoRA linear y = x Wᵀ + bias + s (x Aᵀ) Bᵀ with W (and its bias) frozen: gradients flow to x, A and B only.
    /// dA = s (dY B)ᵀ x, dB = s dYᵀ (x Aᵀ), dx = dY W + s (dY B) A.
    /// </summary>
    public Variable LoraLinear(Variable x, Variable weight, Variable? bias, Variable loraA, Variable loraB, float scale)
    {
        var output = Backend.LoraLinear(x.Data, weight.Data, bias?.Data, loraA.Data, loraB.Data, scale);
        return Record(output, dY => LoraBackward(x, null, loraA, loraB, scale, dY, dY2 => Backend.MatMul(dY2, weight.Data)), x, loraA, loraB);
    }

    /// <summary>
    /// QLoRA's layer: <see cref="LoraLinear"/> over a frozen quantised W (<see cref="IBackend.LoraLinearQuantized"/>).
    /// Backward is LoraLinear's, with dY W taken against W dequantised for that one product and freed; a bias that
    /// trains (BitFit on top) gets dY summed over rows. An inference tape takes the base product as
    /// <see cref="QuantizedLinear"/> does (integer dots, <see cref="IBackend.IntegerDotRows"/>) and adds s (x Aᵀ) Bᵀ to it.
    /// </summary>
    public Variable QuantizedLoraLinear(Variable x, QuantizedWeight weight, Variable? bias, Variable loraA, Variable loraB, float scale)
    {
        if (IntegerDotWeight(x, weight) is { } blocks)
        {
            var y = Backend.MatMulIntegerDot(x.Data, blocks, bias?.Data);
            using var xa = Backend.MatMul(x.Data.Reshape(-1, x.Shape.Last), loraA.Data, transposeB: true);   // [rows, r]
            using var low = Backend.MatMul(xa, loraB.Data, transposeB: true);                                // [rows, out]
            Backend.AddInPlace(y, low.Reshape(y.Shape.ToArray()), scale);
            return Record(y, null, x, loraA, loraB);
        }
        var output = Backend.LoraLinearQuantized(x.Data, weight, bias?.Data, loraA.Data, loraB.Data, scale);
        return Record(output, dY => LoraBackward(x, bias, loraA, loraB, scale, dY, dY2 => DequantizedProduct(dY2, weight)),
            bias is null ? [x, loraA, loraB] : [x, loraA, loraB, bias]);
    }

    /// <summary>dA = s (dY B)ᵀ x, dB = s dYᵀ (x Aᵀ), dx = dY W + s (dY B) A (dY W from <paramref name="baseProduct"/>).</summary>
    private void LoraBackward(Variable x, Variable? bias, Variable loraA, Variable loraB, float scale, Tensor dY, Func<Tensor, Tensor> baseProduct)
    {
        int inFeatures = x.Shape.Last, outFeatures = dY.Shape.Last;
        var x2 = x.Data.Reshape(-1, inFeatures);
        var dY2 = dY.Reshape(-1, outFeatures);
        using var dYB = Backend.MatMul(dY2, loraB.Data);                      // [rows, r]
        if (loraA.RequiresGrad)
        {
            using var g = Backend.MatMul(dYB, x2, transposeA: true);           // [r, in]
            Accumulate(loraA, Backend.Scale(g, scale));
        }
        if (loraB.RequiresGrad)
        {
            using var xA = Backend.MatMul(x2, loraA.Data, transposeB: true);   // [rows, r]
            using var g = Backend.MatMul(dY2, xA, transposeA: true);           // [out, r]
            Accumulate(loraB, Backend.Scale(g, scale));
        }
        if (bias is { RequiresGrad: true }) Accumulate(bias, Backend.SumLeading(dY2));
        if (x.RequiresGrad)
        {
            using var scaledB = Backend.Scale(dYB, scale);
            using var low = Backend.MatMul(scaledB, loraA.Data);               // [rows, in]
            var dx = baseProduct(dY2);                                         // [rows, in]
            Backend.AddInPlace(dx, low);
            Accumulate(x, dx.Reshape(x.Shape.ToArray()));
        }
    }

    /// <summary>dY W for a quantised W: the weight dequantised for this product only (QLoRA keeps no f32 copy in the step).</summary>
    private Tensor DequantizedProduct(Tensor dY2, QuantizedWeight weight)
    {
        using var w = weight.Int8 is { } int8 ? Backend.Dequantize(int8) : Backend.DequantizeBlocks(weight.Blocks!);
        return Backend.MatMul(dY2, w);
    }

    private Tensor MatMulGradA(Tensor a, Tensor b, Tensor dC, bool transposeA, bool transposeB)
    {
        bool batchedWithSharedB = b.Rank == 2 && a.Rank > 2;
        if (!transposeA) return Backend.MatMul(dC, b, false, !transposeB);        // dA = dC op(B)ᵀ
        // A is stored [.., K, M]: dA = op(B) dCᵀ per batch.
        if (!batchedWithSharedB) return Backend.MatMul(b, dC, transposeB, true);
        return PerBatch(a.Shape, BatchCount(dC), i => Backend.MatMul(b, Batch(dC, i), transposeB, true), sum: false);
    }

    private Tensor MatMulGradB(Tensor a, Tensor b, Tensor dC, bool transposeA, bool transposeB)
    {
        bool shared = b.Rank == 2 && a.Rank > 2;
        if (shared && !transposeA)
        {
            // Rows of every batch stack into one matrix: A2 [rows, K], dC2 [rows, N].
            var a2 = a.Reshape(-1, a.Shape.Last);
            var dC2 = dC.Reshape(-1, dC.Shape.Last);
            return transposeB ? Backend.MatMul(dC2, a2, transposeA: true) : Backend.MatMul(a2, dC2, transposeA: true);
        }
        if (!shared)
            return transposeB ? Backend.MatMul(dC, a, true, transposeA) : Backend.MatMul(a, dC, !transposeA, false);
        // Shared B, transposed batched A: sum the per-batch products in batch order.
        return PerBatch(b.Shape, BatchCount(dC), i => transposeB
            ? Backend.MatMul(Batch(dC, i), Batch(a, i), true, true)
            : Backend.MatMul(Batch(a, i), Batch(dC, i)), sum: true);
    }

    /// <summary>The i-th matrix of a batched tensor [.., R, C], as a view.</summary>
    private static Tensor Batch(Tensor t, int i) => t.Reshape(-1, t.Shape[-2], t.Shape[-1]).Slice(i, 1).Reshape(t.Shape[-2], t.Shape[-1]);

    private static int BatchCount(Tensor t) => (int)(t.ElementCount / ((long)t.Shape[-2] * t.Shape[-1]));

    /// <summary>One matmul per batch, summed in batch order (sum) or stacked into <paramref name="shape"/>.</summary>
    private Tensor PerBatch(Shape shape, int batches, Func<int, Tensor> product, bool sum)
    {
        var result = Tensor.Zeros(Backend, shape);
        long matrixBytes = sum ? 0 : result.ByteLength / batches;
        for (int i = 0; i < batches; i++)
        {
            using var p = product(i);
            if (sum) Backend.AddInPlace(result, p);
            else Backend.Copy(p.Storage, p.ByteOffset, result.Storage, result.ByteOffset + i * matrixBytes, matrixBytes);
        }
        return result;
    }
}
