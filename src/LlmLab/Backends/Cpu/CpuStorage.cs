using LlmLab.Tensors;

namespace LlmLab.Backends.Cpu;

/// <summary>Host memory: a managed byte array (garbage collected, so a forgotten Dispose leaks nothing).</summary>
internal sealed class CpuStorage(CpuBackend backend, long byteLength) : TensorStorage(backend, byteLength)
{
    public byte[] Data { get; } = byteLength <= Array.MaxLength
        ? new byte[byteLength]
        : throw new ArgumentException($"the cpu backend holds tensors of up to {Array.MaxLength} bytes; {byteLength} were asked for");

    protected override void Release() { }
}
