using ILGPU;
using ILGPU.Runtime;
using LlmLab.Backends.Cpu.Kernels;
using LlmLab.Backends.Ilgpu.Kernels;
using LlmLab.Tensors;

namespace LlmLab.Backends.Ilgpu;

/// <summary>
/// Row-wise ops: one thread group per row (softmax, norms, cross-entropy, embedding rows), one thread per pair for
/// rope. Embedding ids and cross-entropy targets are downloaded and checked on the host before the launch (one
/// synchronisation and a copy of the ids, small next to the rows they pick), so a bad id is a clear error naming the
/// id and its position rather than a read out of bounds.
/// </summary>
public sealed partial class IlgpuBackend
{
    /// <summary>Rope's turns-per-position tables, uploaded once per (dim, theta).</summary>
    private readonly Dictionary<(int Dim, float Theta), MemoryBuffer1D<ulong, Stride1D.Dense>> _ropeTurns = new();

    public Tensor Softmax(Tensor x, Tensor? mask = null) => SoftmaxRows(x, mask, "softmax", SoftmaxKernels.Softmax);

    public Tensor LogSoftmax(Tensor x, Tensor? mask = null) => SoftmaxRows(x, mask, "log-softmax", SoftmaxKernels.LogSoftmax);

    public Tensor LayerNorm(Tensor x, Tensor weight, Tensor? bias, float epsilon = 1e-5f)
    {
        Check.SameBackend(this, x, weight, bias);
        Check.Norm(x, weight, bias, epsilon, "layer-norm");
        var y = Output(x.Shape);
        if (x.ElementCount == 0) return y;
        int length = x.Shape.Last;
        var kernel = Kernel("layer-norm", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float, ArrayView<float>>(NormKernels.LayerNorm));
        kernel(new KernelConfig(Rows(x), GroupReduce.ThreadsPerRow(length)),
            View<float>(x), View<float>(weight), View<float>(bias ?? weight), bias is null ? 0 : 1, length, epsilon, View<float>(y));
        return y;
    }

    public Tensor RmsNorm(Tensor x, Tensor weight, float epsilon = 1e-6f)
    {
        Check.SameBackend(this, x, weight);
        Check.Norm(x, weight, null, epsilon, "rms-norm");
        var y = Output(x.Shape);
        if (x.ElementCount == 0) return y;
        int length = x.Shape.Last;
        var kernel = Kernel("rms-norm", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, float, ArrayView<float>>(NormKernels.RmsNorm));
        kernel(new KernelConfig(Rows(x), GroupReduce.ThreadsPerRow(length)), View<float>(x), View<float>(weight), length, epsilon, View<float>(y));
        return y;
    }

    public Tensor Embedding(Tensor table, Tensor ids)
    {
        Check.SameBackend(this, table, ids);
        Check.Embedding(table, ids);
        if (ids.DType == DType.I32) Check.IdsInRange<int>(ids.ToArray<int>(), ids.Shape, table.Shape);
        else Check.IdsInRange<long>(ids.ToArray<long>(), ids.Shape, table.Shape);
        int dim = table.Shape[1];
        var y = Output(new Shape([.. ids.Shape.ToArray(), dim]));
        if (y.ElementCount == 0) return y;
        var kernel = Kernel("embedding", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<int>, int, int, ArrayView<float>>(EmbeddingKernel.Gather));
        kernel(new KernelConfig(Count(ids.ElementCount, "embedding's ids"), Math.Min(256, (dim + 31) / 32 * 32)),
            View<float>(table), Bytes(ids).Cast<int>(), ids.DType == DType.I64 ? 2 : 1, dim, View<float>(y));
        return y;
    }

    public Tensor Rope(Tensor x, Tensor positions, float theta = 10000f)
    {
        Check.SameBackend(this, x, positions);
        Check.Rope(x, positions, theta);
        return Rotate(x, positions, theta, sign: 1f);
    }

    /// <summary>Rotation by the rope angle (sign 1) or by minus it (sign -1: the backward pass).</summary>
    private Tensor Rotate(Tensor x, Tensor positions, float theta, float sign)
    {
        var y = Output(x.Shape);
        if (x.ElementCount == 0) return y;
        int heads = x.Shape[1], time = x.Shape[2], dim = x.Shape[3];
        const int Threads = 256;
        int pairs = Count(x.ElementCount / 2 + Threads, "rope's pairs") - Threads; // the last group's index stays in int
        var kernel = Kernel("rope", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<int>, int, ArrayView<ulong>, int, int, int, int, float, ArrayView<float>>(RopeKernel.Rope));
        kernel(new KernelConfig((pairs + Threads - 1) / Threads, Threads),
            View<float>(x), View<int>(positions), positions.Rank == 2 ? 1 : 0, RopeTurns(dim, theta), heads, time, dim / 2, pairs, sign, View<float>(y));
        return y;
    }

    public Tensor CrossEntropy(Tensor logits, Tensor targets, int ignoreIndex = -100)
    {
        Check.SameBackend(this, logits, targets);
        Check.CrossEntropy(logits, targets);
        if (targets.DType == DType.I32) Check.TargetsInRange<int>(targets.ToArray<int>(), ignoreIndex, logits.Shape);
        else Check.TargetsInRange<long>(targets.ToArray<long>(), ignoreIndex, logits.Shape);
        var loss = Output(new Shape(logits.Shape[0]));
        if (loss.ElementCount == 0) return loss;
        int classes = logits.Shape[1];
        var kernel = Kernel("cross-entropy", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<int>, int, int, int, ArrayView<float>>(CrossEntropyKernel.CrossEntropy));
        kernel(new KernelConfig(logits.Shape[0], GroupReduce.ThreadsPerRow(classes)),
            View<float>(logits), Bytes(targets).Cast<int>(), targets.DType == DType.I64 ? 2 : 1, classes, ignoreIndex, View<float>(loss));
        return loss;
    }

    private Tensor SoftmaxRows(Tensor x, Tensor? mask, string op, Action<ArrayView<float>, ArrayView<int>, int, int, ArrayView<float>> body)
    {
        Check.SameBackend(this, x, mask);
        Check.Softmax(x, mask, op);
        var y = Output(x.Shape);
        if (x.ElementCount == 0) return y;
        int length = x.Shape.Last;
        var kernel = Kernel(op, acc => acc.LoadStreamKernel(body));
        // Without a mask any valid int view will do for the unused argument: keepRows = 0 tells the kernel.
        kernel(new KernelConfig(Rows(x), GroupReduce.ThreadsPerRow(length)),
            View<float>(x), mask is null ? View<float>(x).Cast<int>() : View<int>(mask),
            mask is null ? 0 : (int)(mask.ElementCount / length), length, View<float>(y));
        return y;
    }

    private ArrayView<ulong> RopeTurns(int dim, float theta)
    {
        lock (_ropeTurns)
        {
            if (!_ropeTurns.TryGetValue((dim, theta), out var buffer))
                _ropeTurns[(dim, theta)] = buffer = Accelerator.Allocate1D(RotaryAngles.TurnsPerPosition(dim, theta));
            return buffer.View;
        }
    }

    private static int Rows(Tensor x) => Count(x.Shape.Rows, "rows");

    /// <summary>A launch count that must fit the grid's int.</summary>
    private static int Count(long count, string what) => count <= int.MaxValue
        ? (int)count
        : throw new ArgumentException($"{what}: {count} is more than one ILGPU launch takes ({int.MaxValue})");
}
