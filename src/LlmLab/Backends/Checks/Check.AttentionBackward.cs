using LlmLab.Tensors;

namespace LlmLab.Backends;

internal static partial class Check
{
    /// <summary>
    /// Checks every argument of <see cref="IBackend.AttentionBackward"/>: the forward's checks, no KV cache, and an
    /// output and output gradient shaped like the query. Returns the call's sizes.
    /// </summary>
    public static AttentionShape AttentionBackward(IBackend backend, Tensor q, Tensor k, Tensor v, Tensor output, Tensor gradOutput, AttentionOptions o)
    {
        if (o.Cache is not null)
            throw new ArgumentException(
                $"attention backward: a KV cache is not allowed (the backward attends to the keys given); query {q.Shape}, key {k.Shape}");
        SameBackend(backend, output, gradOutput);
        F32(output, "attention backward's output");
        F32(gradOutput, "attention backward's output gradient");
        var s = Attention(backend, q, k, v, o);
        if (output.Shape != q.Shape)
            throw new ArgumentException($"attention backward: the output {output.Shape} must have the query's shape {q.Shape}");
        if (gradOutput.Shape != q.Shape)
            throw new ArgumentException($"attention backward: the output gradient {gradOutput.Shape} must have the query's shape {q.Shape}");
        return s;
    }
}
