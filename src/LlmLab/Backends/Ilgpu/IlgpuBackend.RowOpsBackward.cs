using ILGPU;
using ILGPU.Runtime;
using LlmLab.Backends.Ilgpu.Kernels;
using LlmLab.Tensors;

namespace LlmLab.Backends.Ilgpu;

/// <summary>
/// Backward passes of the row-wise ops: one thread group per row for softmax, norms and cross-entropy. Sums over rows
/// never use atomics: a norm writes each row's dy xhat, then a fixed-order column sum gives the weight (and bias)
/// gradient; embedding's positions are sorted by id on the host (a counting sort of the ids it downloads to check
/// anyway), then one group per vocabulary row adds its positions in ascending order.
/// </summary>
public sealed partial class IlgpuBackend
{
    public Tensor SoftmaxBackward(Tensor output, Tensor gradOutput) =>
        SoftmaxBackwardRows(output, gradOutput, "softmax-backward", SoftmaxKernels.Backward);

    public Tensor LogSoftmaxBackward(Tensor output, Tensor gradOutput) =>
        SoftmaxBackwardRows(output, gradOutput, "log-softmax-backward", SoftmaxKernels.LogBackward);

    public NormGradients LayerNormBackward(Tensor x, Tensor weight, Tensor gradOutput, float epsilon = 1e-5f)
    {
        Check.SameBackend(this, x, weight, gradOutput);
        Check.NormBackward(x, weight, gradOutput, epsilon, "layer-norm-backward");
        return NormBackward(x, weight, gradOutput, epsilon, isLayerNorm: true);
    }

    public NormGradients RmsNormBackward(Tensor x, Tensor weight, Tensor gradOutput, float epsilon = 1e-6f)
    {
        Check.SameBackend(this, x, weight, gradOutput);
        Check.NormBackward(x, weight, gradOutput, epsilon, "rms-norm-backward");
        return NormBackward(x, weight, gradOutput, epsilon, isLayerNorm: false);
    }

    public Tensor EmbeddingBackward(Tensor ids, Tensor gradOutput, int vocabularySize)
    {
        Check.SameBackend(this, ids, gradOutput);
        Check.EmbeddingBackward(ids, gradOutput, vocabularySize);
        int dim = gradOutput.Shape.Last;
        var tableShape = new Shape(vocabularySize, dim);
        long[] id;
        if (ids.DType == DType.I32)
        {
            var values = ids.ToArray<int>();
            Check.IdsInRange<int>(values, ids.Shape, tableShape);
            id = Array.ConvertAll(values, v => (long)v);
        }
        else
        {
            id = ids.ToArray<long>();
            Check.IdsInRange<long>(id, ids.Shape, tableShape);
        }
        var gradTable = id.Length == 0 ? NewF32(tableShape) : Output(tableShape);
        if (id.Length == 0 || dim == 0) return gradTable;
        var (order, offsets) = Cpu.Kernels.Embedding.PositionsById(id, vocabularySize);
        using var orderTensor = Tensor.From(this, order, order.Length);
        using var offsetsTensor = Tensor.From(this, offsets, offsets.Length);
        var kernel = Kernel("embedding-backward", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<int>, ArrayView<int>, int, ArrayView<float>>(EmbeddingKernel.Scatter));
        kernel(new KernelConfig(vocabularySize, Math.Min(256, (dim + 31) / 32 * 32)),
            View<float>(gradOutput), View<int>(orderTensor), View<int>(offsetsTensor), dim, View<float>(gradTable));
        return gradTable;
    }

    public Tensor RopeBackward(Tensor gradOutput, Tensor positions, float theta = 10000f)
    {
        Check.SameBackend(this, gradOutput, positions);
        Check.Rope(gradOutput, positions, theta);
        return Rotate(gradOutput, positions, theta, sign: -1f);
    }

    public Tensor CrossEntropyBackward(Tensor logits, Tensor targets, Tensor gradLoss, int ignoreIndex = -100)
    {
        Check.SameBackend(this, logits, targets, gradLoss);
        Check.CrossEntropyBackward(logits, targets, gradLoss);
        if (targets.DType == DType.I32) Check.TargetsInRange<int>(targets.ToArray<int>(), ignoreIndex, logits.Shape);
        else Check.TargetsInRange<long>(targets.ToArray<long>(), ignoreIndex, logits.Shape);
        var dlogits = Output(logits.Shape);
        if (dlogits.ElementCount == 0) return dlogits;
        int classes = logits.Shape[1];
        var kernel = Kernel("cross-entropy-backward", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<int>, int, int, int, ArrayView<float>, ArrayView<float>>(CrossEntropyKernel.Backward));
        kernel(new KernelConfig(logits.Shape[0], GroupReduce.ThreadsPerRow(classes)),
            View<float>(logits), Bytes(targets).Cast<int>(), targets.DType == DType.I64 ? 2 : 1, classes, ignoreIndex, View<float>(gradLoss), View<float>(dlogits));
        return dlogits;
    }

    private NormGradients NormBackward(Tensor x, Tensor weight, Tensor gradOutput, float epsilon, bool isLayerNorm)
    {
        int n = x.Shape.Last;
        if (x.ElementCount == 0) return new NormGradients(NewF32(x.Shape), NewF32(new Shape(n)), isLayerNorm ? NewF32(new Shape(n)) : null);
        var dx = Output(x.Shape);
        var dweight = Output(new Shape(n));
        var dbias = isLayerNorm ? Output(new Shape(n)) : null;
        using var weightTerms = Output(x.Shape);
        var kernel = Kernel("norm-backward", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float, ArrayView<float>, ArrayView<float>>(NormKernels.Backward));
        kernel(new KernelConfig(Rows(x), GroupReduce.ThreadsPerRow(n)),
            View<float>(x), View<float>(weight), View<float>(gradOutput), isLayerNorm ? 1 : 0, n, epsilon, View<float>(dx), View<float>(weightTerms));
        SumRows(weightTerms, dweight);
        if (dbias is not null) SumRows(gradOutput, dbias);
        return new NormGradients(dx, dweight, dbias);
    }

    private Tensor SoftmaxBackwardRows(Tensor output, Tensor gradOutput, string op, Action<ArrayView<float>, ArrayView<float>, int, ArrayView<float>> body)
    {
        Check.SameBackend(this, output, gradOutput);
        Check.SoftmaxBackward(output, gradOutput, op);
        var dx = Output(output.Shape);
        if (output.ElementCount == 0) return dx;
        int length = output.Shape.Last;
        var kernel = Kernel(op, acc => acc.LoadStreamKernel(body));
        kernel(new KernelConfig(Rows(output), GroupReduce.ThreadsPerRow(length)), View<float>(output), View<float>(gradOutput), length, View<float>(dx));
        return dx;
    }
}
