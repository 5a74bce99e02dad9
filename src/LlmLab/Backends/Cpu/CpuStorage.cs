using LlmLab.Tensors;

namespace LlmLab.Backends.Cpu;

/// <summary>
/// Host memory: a managed byte array from the backend's <see cref="CpuMemoryPool"/>, returned there when the storage
/// is disposed (a forgotten Dispose leaks nothing: the GC takes the array). Zeroed unless <paramref name="clear"/> is
/// false, which only kernels that write every element ask for.
/// </summary>
internal sealed class CpuStorage(CpuBackend backend, long byteLength, bool clear = true) : TensorStorage(backend, byteLength)
{
    public byte[] Data { get; } = backend.Memory.Rent(byteLength, clear);

    protected override void Release() => backend.Memory.Return(Data);
}
