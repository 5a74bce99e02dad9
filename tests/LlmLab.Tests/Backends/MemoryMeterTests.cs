using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Models;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;

namespace LlmLab.Tests.Backends;

/// <summary>
/// The tensor-memory meter on every backend: a storage counts from allocation to Dispose, the peak holds the most
/// held at once since its reset, and a training step's tape gives back everything it allocated.
/// </summary>
[Collection("backends")]
public class MemoryMeterTests
{
    public static TheoryData<string> Backends => TestBackends.All;

    [Theory, MemberData(nameof(Backends))]
    public void Storages_count_from_allocation_to_dispose(string backendName)
    {
        using var backend = Backend.Create(backendName);
        var meter = backend.TensorMemory;
        long start = meter.LiveBytes;
        meter.ResetPeak();
        var a = Tensor.Zeros(backend, new Shape(1000));
        var b = Tensor.Zeros(backend, new Shape(250));
        Assert.Equal(start + 5000, meter.LiveBytes);
        a.Dispose();
        a.Dispose();   // twice frees once
        Assert.Equal(start + 1000, meter.LiveBytes);
        Assert.Equal(start + 5000, meter.PeakBytes);
        meter.ResetPeak();
        Assert.Equal(start + 1000, meter.PeakBytes);
        b.Dispose();
        Assert.Equal(start, meter.LiveBytes);
    }

    [Theory, MemberData(nameof(Backends))]
    public void A_training_step_gives_back_what_its_tape_held(string backendName)
    {
        using var backend = Backend.Create(backendName);
        var gpt = new Gpt(backend, new GptConfig { VocabularySize = 13, Context = 16, Layers = 2, Heads = 2, Width = 16 }, seed: 1);
        using var ids = Tensor.From(backend, new long[] { 3, 7, 1, 12, 0, 5 }, 1, 6);
        using var targets = Tensor.From(backend, new long[] { 7, 1, 12, 0, 5, 9 }, 1, 6);
        void Step()
        {
            using var tape = new Tape(backend);
            tape.Backward(gpt.Loss(tape, ids, targets));
        }
        Step();   // the first step allocates the gradients, which stay
        var meter = backend.TensorMemory;
        long held = meter.LiveBytes;
        meter.ResetPeak();
        Step();
        Assert.Equal(held, meter.LiveBytes);
        Assert.True(meter.PeakBytes > held, "a step's activations were not counted");
    }
}
