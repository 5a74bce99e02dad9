using ILGPU;
using ILGPU.Runtime;
using LlmLab.Backends.Ilgpu.Kernels;
using LlmLab.Tensors;

namespace LlmLab.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <summary>
    /// Two grouped kernels, no atomics: the query kernel writes each row's L and D and dQ, then the key kernel reads
    /// them for dK and dV (stream order keeps them in sequence).
    /// </summary>
    public AttentionGradients AttentionBackward(Tensor query, Tensor key, Tensor value, Tensor output, Tensor gradOutput, AttentionOptions? options = null)
    {
        options ??= new AttentionOptions();
        var s = Check.AttentionBackward(this, query, key, value, output, gradOutput, options);
        if (s.HeadDim > AttentionBackwardTiles.MaxDim)
            throw new ArgumentException(
                $"attention backward on {Name} takes head dims up to {AttentionBackwardTiles.MaxDim}; query {query.Shape} has {s.HeadDim} (the cpu backend takes any)");
        if (query.ElementCount == 0 || key.ElementCount == 0)
            return new AttentionGradients(NewF32(query.Shape), NewF32(key.Shape), NewF32(value.Shape));
        var gradients = new AttentionGradients(Output(query.Shape), Output(key.Shape), Output(value.Shape));

        // Absent mask or bias: the kernels never read them (HasMask/HasBias = 0), any view stands in.
        var mask = options.KeyPaddingMask is { } m ? View<int>(m) : View<float>(query).Cast<int>();
        var bias = options.Bias is { } b ? View<float>(b) : View<float>(query);
        var p = AttentionBackwardParams.From(s);
        using var stats = Output(new Shape(2 * s.Batch * s.QueryHeads * s.QueryLength)); // L, then D; pooled buffers are reused in stream order;
        var queryKernel = Kernel("attention-backward-queries", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AttentionBackwardParams>(
            AttentionBackwardQueryKernel.Run));
        queryKernel(new KernelConfig(p.QueryTiles * s.Batch * s.QueryHeads, AttentionBackwardTiles.Threads),
            View<float>(query), View<float>(key), View<float>(value), View<float>(output), View<float>(gradOutput), mask, bias,
            View<float>(stats), View<float>(gradients.Query), p);
        var keyKernel = Kernel("attention-backward-keys", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AttentionBackwardParams>(
            AttentionBackwardKeyKernel.Run));
        keyKernel(new KernelConfig(p.KeyTiles * s.Batch * s.KvHeads, AttentionBackwardTiles.Threads),
            View<float>(query), View<float>(key), View<float>(value), View<float>(gradOutput), mask, bias,
            View<float>(stats), View<float>(gradients.Key), View<float>(gradients.Value), p);
        return gradients;
    }
}
