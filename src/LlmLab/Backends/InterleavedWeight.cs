using LlmLab.Tensors;

namespace LlmLab.Backends;

/// <summary>
/// A linear weight [out, in] in f32, stored the way its backend's inference products read it fastest
/// (<see cref="IBackend.Interleave"/>): on the cpu backend, panels of 16 rows interleaved over k, so a decode step
/// streams it with plain vector loads (docs/kernels.md); on ILGPU, as it is. Products and lookups with it give the
/// bits of the weight stored [out, in]. It holds no gradient: it is for inference.
/// </summary>
public sealed class InterleavedWeight(Tensor data, Shape shape) : IDisposable
{
    /// <summary>The stored values, in the backend's layout (not [out, in] in general).</summary>
    public Tensor Data { get; } = data;
    /// <summary>The weight's shape, [out, in].</summary>
    public Shape Shape { get; } = shape;

    public void Dispose() => Data.Dispose();
}
