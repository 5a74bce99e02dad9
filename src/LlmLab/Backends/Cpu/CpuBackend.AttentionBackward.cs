using System.Buffers;
using System.Runtime.Intrinsics;
using LlmLab.Backends.Cpu.Kernels;
using LlmLab.Tensors;

namespace LlmLab.Backends.Cpu;

public sealed partial class CpuBackend
{
    public AttentionGradients AttentionBackward(Tensor query, Tensor key, Tensor value, Tensor output, Tensor gradOutput, AttentionOptions? options = null) =>
        AttentionBackward(query, key, value, output, gradOutput, options, Vector512.IsHardwareAccelerated);

    /// <summary>Attention backward with the vector width chosen (both widths give the same bits; tests check it).</summary>
    internal AttentionGradients AttentionBackward(Tensor query, Tensor key, Tensor value, Tensor output, Tensor gradOutput,
        AttentionOptions? options, bool useVector512)
    {
        options ??= new AttentionOptions();
        var s = Check.AttentionBackward(this, query, key, value, output, gradOutput, options);
        var gradients = new AttentionGradients(NewF32(query.Shape), NewF32(key.Shape), NewF32(value.Shape));
        if (query.ElementCount == 0 || key.ElementCount == 0) return gradients;

        var mask = options.KeyPaddingMask;
        var bias = options.Bias;
        int panelLength = (int)AttentionKernel.PanelLength(s), rows = s.Batch * s.QueryHeads * s.QueryLength;
        float[] keyPanels = ArrayPool<float>.Shared.Rent(panelLength), valuePanels = ArrayPool<float>.Shared.Rent(panelLength);
        float[] logSumExp = ArrayPool<float>.Shared.Rent(rows), rowDot = ArrayPool<float>.Shared.Rent(rows);
        try
        {
            Parallel.For((long)s.Batch * s.KvHeads * AttentionKernel.PanelsPerHead(s), s.HeadDim * 64, (start, end) =>
            {
                AttentionKernel.Pack(s, Span<float>(key), keyPanels, start, end);
                AttentionKernel.Pack(s, Span<float>(value), valuePanels, start, end);
            });
            Parallel.For(AttentionBackwardKernel.QueryItems(s), AttentionBackwardKernel.QueryCost(s), (start, end) =>
            {
                ReadOnlySpan<int> m = mask is null ? default : Span<int>(mask);
                ReadOnlySpan<float> b = bias is null ? default : Span<float>(bias);
                if (useVector512)
                    AttentionBackwardKernel.QueryPass<AttentionLanes512, Vector512<float>>(s, Span<float>(query), Span<float>(key), Span<float>(output),
                        Span<float>(gradOutput), m, b, keyPanels.AsSpan(0, panelLength), valuePanels.AsSpan(0, panelLength),
                        logSumExp.AsSpan(0, rows), rowDot.AsSpan(0, rows), Span<float>(gradients.Query), start, end);
                else
                    AttentionBackwardKernel.QueryPass<AttentionLanes256, Vector256<float>>(s, Span<float>(query), Span<float>(key), Span<float>(output),
                        Span<float>(gradOutput), m, b, keyPanels.AsSpan(0, panelLength), valuePanels.AsSpan(0, panelLength),
                        logSumExp.AsSpan(0, rows), rowDot.AsSpan(0, rows), Span<float>(gradients.Query), start, end);
            });
            Parallel.For(AttentionBackwardKernel.KeyItems(s), AttentionBackwardKernel.KeyCost(s), (start, end) =>
            {
                ReadOnlySpan<int> m = mask is null ? default : Span<int>(mask);
                ReadOnlySpan<float> b = bias is null ? default : Span<float>(bias);
                if (useVector512)
                    AttentionBackwardKernel.KeyPass<AttentionLanes512, Vector512<float>>(s, Span<float>(query), Span<float>(gradOutput), m, b,
                        keyPanels.AsSpan(0, panelLength), valuePanels.AsSpan(0, panelLength), logSumExp.AsSpan(0, rows), rowDot.AsSpan(0, rows),
                        Span<float>(gradients.Key), Span<float>(gradients.Value), start, end);
                else
                    AttentionBackwardKernel.KeyPass<AttentionLanes256, Vector256<float>>(s, Span<float>(query), Span<float>(gradOutput), m, b,
                        keyPanels.AsSpan(0, panelLength), valuePanels.AsSpan(0, panelLength), logSumExp.AsSpan(0, rows), rowDot.AsSpan(0, rows),
                        Span<float>(gradients.Key), Span<float>(gradients.Value), start, end);
            });
        }
        finally
        {
            ArrayPool<float>.Shared.Return(keyPanels);
            ArrayPool<float>.Shared.Return(valuePanels);
            ArrayPool<float>.Shared.Return(logSumExp);
            ArrayPool<float>.Shared.Return(rowDot);
        }
        return gradients;
    }
}
