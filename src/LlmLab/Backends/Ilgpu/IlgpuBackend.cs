using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;
using LlmLab.Tensors;

namespace LlmLab.Backends.Ilgpu;

/// <summary>
/// ILGPU kernels on one accelerator: a CUDA or OpenCL GPU, or ILGPU's CPU simulator (CPUDeviceKind.Nvidia: warp 32,
/// groups up to 1024) on which CI proves the GPU kernels correct. Kernels are explicitly grouped with shared-memory
/// tiles (Kernels/); the ops in the partial files beside this one check shapes, allocate and launch.
/// </summary>
public sealed partial class IlgpuBackend : IBackend
{
    private readonly Context _context;
    private readonly Dictionary<string, object> _kernels = new();
    private readonly BufferPool _pool = new();
    private bool _disposed;

    private IlgpuBackend(Context context, Accelerator accelerator, string name)
    {
        _context = context;
        Accelerator = accelerator;
        Name = name;
    }

    public string Name { get; }

    public MemoryMeter TensorMemory { get; } = new();

    public Accelerator Accelerator { get; }
    public AcceleratorStream Stream => Accelerator.DefaultStream;

    /// <summary>ILGPU's CPU simulator: slow (about 0.1 GFLOP/s), for testing kernels.</summary>
    public static IlgpuBackend CreateCpuSimulator()
    {
        var context = Context.Create(b => b.CPU(CPUDeviceKind.Nvidia).EnableAlgorithms().Optimize(OptimizationLevel.O1));
        return new IlgpuBackend(context, context.CreateCPUAccelerator(0), "ilgpu-cpu");
    }

    /// <summary>The first CUDA device, or null where there is none.</summary>
    public static IlgpuBackend? CreateCuda() => TryCreate("cuda", b => b.Cuda(), AcceleratorType.Cuda);

    /// <summary>The first OpenCL device ILGPU accepts, or null.</summary>
    public static IlgpuBackend? CreateOpenCL() => TryCreate("opencl", b => b.OpenCL(), AcceleratorType.OpenCL);

    private static IlgpuBackend? TryCreate(string name, Func<Context.Builder, Context.Builder> configure, AcceleratorType type)
    {
        Context? context = null;
        try
        {
            context = Context.Create(b => configure(b).EnableAlgorithms().Math(MathMode.Fast32BitOnly).Optimize(OptimizationLevel.O2));
            var device = context.Devices.FirstOrDefault(d => d.AcceleratorType == type);
            if (device is null)
            {
                context.Dispose();
                return null;
            }
            return new IlgpuBackend(context, device.CreateAccelerator(context), name);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A missing driver library shows up as a load failure: the device is simply not there.
            context?.Dispose();
            return null;
        }
    }

    // ---- memory ---------------------------------------------------------------------------------------------

    public TensorStorage Allocate(long byteLength)
    {
        var buffer = _pool.Take(Math.Max(byteLength, 1)) ?? Accelerator.Allocate1D<byte>(Math.Max(byteLength, 1));
        buffer.MemSetToZero(Stream);
        return new IlgpuStorage(this, buffer);
    }

    /// <summary>A disposed tensor's buffer goes back to the pool: a device allocation costs ~0.1 ms, more than most kernels.</summary>
    internal void Recycle(MemoryBuffer1D<byte, Stride1D.Dense> buffer)
    {
        if (_disposed || !_pool.Return(buffer)) buffer.Dispose();
    }

    public void Write(TensorStorage destination, long byteOffset, ReadOnlySpan<byte> source)
    {
        if (source.Length == 0) return;
        Own(destination).Buffer.View.SubView(byteOffset, source.Length).CopyFromCPU(Stream, source);
        Stream.Synchronize();
    }

    public void Read(TensorStorage source, long byteOffset, Span<byte> destination)
    {
        if (destination.Length == 0) return;
        Stream.Synchronize();
        Own(source).Buffer.View.SubView(byteOffset, destination.Length).CopyToCPU(Stream, destination);
        Stream.Synchronize();
    }

    public void Copy(TensorStorage source, long sourceOffset, TensorStorage destination, long destinationOffset, long byteLength)
    {
        if (byteLength == 0) return;
        Own(source).Buffer.View.SubView(sourceOffset, byteLength)
            .CopyTo(Stream, Own(destination).Buffer.View.SubView(destinationOffset, byteLength));
    }

    public void Synchronize() => Stream.Synchronize();

    public void ReleaseCachedMemory() => _pool.Clear();

    public void Dispose()
    {
        _disposed = true;
        _attentionPartial?.Dispose();
        _pool.Clear();
        Accelerator.Dispose();
        _context.Dispose();
    }

    // ---- views and launches for the ops ---------------------------------------------------------------------

    /// <summary>The tensor's elements as a typed view (checked against its dtype).</summary>
    internal ArrayView<T> View<T>(Tensor t) where T : unmanaged
    {
        t.RequireType(DTypeInfo.Of<T>());
        return Bytes(t).Cast<T>();
    }

    /// <summary>The tensor's raw bytes (block formats).</summary>
    internal ArrayView<byte> Bytes(Tensor t) =>
        Own(t.Storage).Buffer.View.SubView(t.ByteOffset, Math.Max(t.ByteLength, 1)).AsContiguous();

    /// <summary>A kernel compiled once per backend and cached by name.</summary>
    internal TDelegate Kernel<TDelegate>(string name, Func<Accelerator, TDelegate> load) where TDelegate : Delegate
    {
        lock (_kernels)
        {
            if (!_kernels.TryGetValue(name, out var k))
                _kernels[name] = k = load(Accelerator);
            return (TDelegate)k;
        }
    }

    /// <summary>A zero-filled f32 tensor: for results some inputs leave untouched (sums over nothing).</summary>
    internal Tensor NewF32(Shape shape) => Tensor.Zeros(this, shape);

    /// <summary>
    /// A tensor for a kernel to fill whole. Not zeroed on a GPU: a memset is one more launch and one more write pass
    /// over the output, as much traffic as a row op itself. On the CPU simulator it is filled with 0xFF bytes (NaN,
    /// -1), so a kernel that misses an element fails the tests instead of passing on a lucky zero.
    /// </summary>
    internal Tensor Output(Shape shape, DType dtype = DType.F32)
    {
        long bytes = Math.Max(dtype.ByteCount(shape.ElementCount), 1);
        var buffer = _pool.Take(bytes) ?? Accelerator.Allocate1D<byte>(bytes);
        if (Accelerator.AcceleratorType == AcceleratorType.CPU) buffer.View.MemSet(Stream, 0xFF);
        return new Tensor(new IlgpuStorage(this, buffer), shape, dtype);
    }

    private IlgpuStorage Own(TensorStorage storage)
    {
        if (storage is IlgpuStorage own && ReferenceEquals(own.Backend, this))
        {
            if (own.IsDisposed) throw new ObjectDisposedException("tensor", "the tensor's storage was disposed");
            return own;
        }
        throw new ArgumentException($"a tensor on backend '{storage.Backend.Name}' was passed to another backend ('{Name}'); move it with tensor.To(backend)");
    }
}
