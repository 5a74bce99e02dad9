using ILGPU;
using ILGPU.Runtime;
using LlmLab.Tensors;

namespace LlmLab.Backends.Ilgpu;

/// <summary>Device memory of an ILGPU accelerator, as bytes; kernels view it as typed elements.</summary>
internal sealed class IlgpuStorage(IlgpuBackend backend, MemoryBuffer1D<byte, Stride1D.Dense> buffer)
    : TensorStorage(backend, buffer.Length)
{
    public MemoryBuffer1D<byte, Stride1D.Dense> Buffer { get; } = buffer;

    protected override void Release() => backend.Recycle(Buffer);
}
