using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Generation;
using LlmLab.Models;
using LlmLab.Nn;
using LlmLab.Quantization;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;

namespace LlmLab.Tests.Quantization;

/// <summary>
/// A GPT whose f32 weights are in the backend's inference layout (<see cref="InferenceLayout"/>): the same logits
/// and tokens bit for bit, decode rows and prefill, with no f32 copy kept; a weight read as f32 again (to train it)
/// is the weight from then on.
/// </summary>
[Collection("backends")]
public class InferenceLayoutTests
{
    // A vocabulary of 45 cuts the head's last 16-row panel.
    private static GptConfig Tiny() => new() { VocabularySize = 45, Context = 16, Layers = 2, Heads = 2, Width = 32 };

    // The cpu backend only: ILGPU's layout is a plain copy read by MatMul (InterleavedTests checks its ops), and a
    // whole model on the simulator takes minutes.
    [Fact]
    public void A_gpt_gives_the_same_logits_and_tokens()
    {
        var backend = TestBackends.Get("cpu");
        var plain = new Gpt(backend, Tiny(), seed: 4);
        var interleaved = new Gpt(backend, Tiny(), seed: 4);
        int count = InferenceLayout.Interleave(interleaved);
        Assert.Equal(WeightQuantizer.Linears(interleaved).Count + 2, count);   // every linear layer, wte and wpe
        Assert.All(WeightQuantizer.Linears(interleaved), l => Assert.False(l.Layer.Weight.IsMaterialized));

        // 3 rows take the decode kernel, 24 the GEMM.
        foreach (var (rows, length) in new[] { (1, 3), (2, 12) })
        {
            using var ids = Tensor.From(backend, TestData.Integers(rows + length, rows * length, 0, 45), rows, length);
            AssertClose.BitIdentical(Logits(plain, ids), Logits(interleaved, ids), $"logits of {rows} x {length}");
        }
        var options = new GenerationOptions { MaxNewTokens = 6, StopTokens = [] };
        int[][] prompts = [[1, 2, 3], [40, 7]];
        Assert.Equal(Generator.Generate(plain, prompts, options), Generator.Generate(interleaved, prompts, options));
        Assert.All(WeightQuantizer.Linears(interleaved), l => Assert.False(l.Layer.Weight.IsMaterialized));
        AssertClose.BitIdentical(plain.TokenEmbedding.Weight.ToArray<float>(), interleaved.TokenEmbedding.Weight.ToArray<float>(), "wte read back");
    }

    [Fact]
    public void A_weight_read_as_f32_trains_and_is_the_weight_from_then_on()
    {
        var cpu = TestBackends.Get("cpu");
        var plain = new Gpt(cpu, Tiny(), seed: 9);
        var interleaved = new Gpt(cpu, Tiny(), seed: 9);
        InferenceLayout.Interleave(interleaved);
        using var ids = Tensor.From(cpu, TestData.Integers(3, 2 * 8, 0, 45), 2, 8);

        // A training step's forward and backward read the f32 weights: the same gradients as the plain model's.
        var (plainGrads, interleavedGrads) = (Gradients(plain, ids), Gradients(interleaved, ids));
        foreach (var (name, grad) in plainGrads)
            AssertClose.BitIdentical(grad, interleavedGrads[name], $"gradient of {name}");
        foreach (var gpt in new[] { plain, interleaved })
            foreach (var (_, p) in gpt.NamedParameters())
            {
                using var step = Tensor.From(cpu, p.Grad!.ToArray<float>(), p.Shape.ToArray());
                cpu.AddInPlace(p.Data, step, -0.5f);
            }
        AssertClose.BitIdentical(Logits(plain, ids), Logits(interleaved, ids), "logits after the step");
    }

    [Fact]
    public void Quantised_layers_stay_quantised_and_a_tied_f32_head_is_interleaved()
    {
        var cpu = TestBackends.Get("cpu");
        var plain = new Gpt(cpu, Tiny(), seed: 5);
        var interleaved = new Gpt(cpu, Tiny(), seed: 5);
        WeightQuantizer.Quantize(plain, WeightFormat.Q8_0);
        WeightQuantizer.Quantize(interleaved, WeightFormat.Q8_0);
        Assert.Equal(2, InferenceLayout.Interleave(interleaved));   // wte (the head) and wpe
        Assert.All(WeightQuantizer.Linears(interleaved), l => Assert.Equal(WeightFormat.Q8_0, l.Layer.Format));
        Assert.False(interleaved.TokenEmbedding.Weight.IsMaterialized);
        using var ids = Tensor.From(cpu, TestData.Integers(8, 2 * 5, 0, 45), 1, 10);
        AssertClose.BitIdentical(Logits(plain, ids), Logits(interleaved, ids), "q8_0 logits with an interleaved f32 head");

        // Quantising the table reads it as f32, which drops the layout.
        WeightQuantizer.Quantize(interleaved, WeightFormat.Q8_0, interleaved.TokenEmbedding);
        Assert.Equal(WeightFormat.Q8_0, interleaved.TokenEmbedding.Format);
        Assert.Equal(1, InferenceLayout.Interleave(interleaved));   // only wpe is f32 now
    }

    private static float[] Logits(Gpt gpt, Tensor ids)
    {
        using var tape = new Tape(gpt.TokenEmbedding.Weight.Backend, recordGradients: false);
        return gpt.Forward(tape, ids).Data.ToArray<float>();
    }

    private static Dictionary<string, float[]> Gradients(Gpt gpt, Tensor ids)
    {
        var backend = gpt.TokenEmbedding.Weight.Backend;
        using var tape = new Tape(backend, recordGradients: true);
        var logits = gpt.Forward(tape, ids);
        using var targets = Tensor.From(backend, TestData.Integers(11, ids.ElementCount, 0, 45), ids.Shape.ToArray());
        tape.Backward(tape.CrossEntropy(tape.Reshape(logits, -1, 45), targets.Reshape(-1)));
        return gpt.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Grad!.ToArray<float>());
    }
}
