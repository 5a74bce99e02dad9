using LlmLab.Backends;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;

namespace LlmLab.Tests.Tensors;

/// <summary>Tensor creation, copies back to the host, views that share storage, and the errors of each misuse.</summary>
[Collection("backends")]
public class TensorTests
{
    public static TheoryData<string> Backends => TestBackends.All;

    [Theory, MemberData(nameof(Backends))]
    public void Values_go_to_the_device_and_come_back_unchanged(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        float[] f = [1.5f, -2f, float.NegativeInfinity, 3e-38f, 7f, 0f];
        using var tf = Tensor.From(backend, f, 2, 3);
        Assert.Equal(f, tf.ToArray<float>());
        Assert.Equal(new Shape(2, 3), tf.Shape);
        Assert.Equal(DType.F32, tf.DType);

        using var ti = Tensor.From(backend, new[] { 1, -2, int.MaxValue }, 3);
        Assert.Equal(new[] { 1, -2, int.MaxValue }, ti.ToArray<int>());
        using var tl = Tensor.From(backend, new[] { long.MinValue, 5L }, 2);
        Assert.Equal(new[] { long.MinValue, 5L }, tl.ToArray<long>());
        using var tb = Tensor.From(backend, new sbyte[] { -128, 0, 127 }, 3);
        Assert.Equal(new sbyte[] { -128, 0, 127 }, tb.ToArray<sbyte>());
    }

    [Theory, MemberData(nameof(Backends))]
    public void Reshape_and_slice_are_views_of_the_same_storage(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        var values = Enumerable.Range(0, 24).Select(i => (float)i).ToArray();
        using var t = Tensor.From(backend, values, 2, 3, 4);

        var flat = t.Reshape(-1);
        Assert.Same(t.Storage, flat.Storage);
        Assert.Equal(new Shape(24), flat.Shape);
        Assert.Equal(values, flat.ToArray<float>());

        var second = t.Slice(1, 1);
        Assert.Same(t.Storage, second.Storage);
        Assert.Equal(new Shape(1, 3, 4), second.Shape);
        Assert.Equal(values[12..], second.ToArray<float>());

        // An op on a view reads the view's elements, not the storage's first ones.
        using var doubled = backend.Scale(second.Reshape(3, 4), 2f);
        Assert.Equal(values[12..].Select(v => v * 2).ToArray(), doubled.ToArray<float>());

        using var copy = t.Clone();
        Assert.NotSame(t.Storage, copy.Storage);
        Assert.Equal(values, copy.ToArray<float>());
    }

    [Theory, MemberData(nameof(Backends))]
    public void Block_formats_keep_their_bytes(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        var bytes = Enumerable.Range(0, 2 * 34).Select(i => (byte)i).ToArray();
        using var q = Tensor.FromBytes(backend, bytes, DType.Q8_0, 2, 32);
        Assert.Equal(bytes, q.ToBytes());
        Assert.Equal(bytes[34..], q.Slice(1, 1).ToBytes());
        var e = Assert.Throws<ArgumentException>(() => Tensor.FromBytes(backend, bytes, DType.Q8_0, 2, 33));
        Assert.Contains("[2, 33]", e.Message);
    }

    [Theory, MemberData(nameof(Backends))]
    public void Misuse_is_one_clear_error(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var t = Tensor.From(backend, new float[6], 2, 3);

        var count = Assert.Throws<ArgumentException>(() => Tensor.From(backend, new float[5], 2, 3));
        Assert.Contains("[2, 3]", count.Message);
        var reshape = Assert.Throws<ArgumentException>(() => t.Reshape(4, 2));
        Assert.Contains("[2, 3]", reshape.Message);
        Assert.Contains("[4, 2]", reshape.Message);
        var slice = Assert.Throws<ArgumentOutOfRangeException>(() => t.Slice(1, 2));
        Assert.Contains("[2, 3]", slice.Message);
        var dtype = Assert.Throws<ArgumentException>(() => t.ToArray<int>());
        Assert.Contains("i32", dtype.Message);
        Assert.Contains("f32", dtype.Message);
        Assert.Throws<ArgumentException>(() => new Shape(2, -1));
    }

    [Fact]
    public void A_tensor_from_another_backend_is_refused_and_To_moves_it()
    {
        var cpu = TestBackends.Get("cpu");
        var simulator = TestBackends.Get("ilgpu-cpu");
        using var onCpu = Tensor.From(cpu, new[] { 1f, 2f }, 2);
        var e = Assert.Throws<ArgumentException>(() => simulator.Relu(onCpu));
        Assert.Contains("cpu", e.Message);
        Assert.Contains("ilgpu-cpu", e.Message);
        using var moved = onCpu.To(simulator);
        Assert.Equal(new[] { 1f, 2f }, simulator.Relu(moved).ToArray<float>());
    }

    [Fact]
    public void A_disposed_tensor_says_so()
    {
        var cpu = TestBackends.Get("cpu");
        var t = Tensor.From(cpu, new[] { 1f }, 1);
        t.Dispose();
        Assert.Throws<ObjectDisposedException>(() => t.ToArray<float>());
    }
}
