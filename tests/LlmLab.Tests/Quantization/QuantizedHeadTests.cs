using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Models;
using LlmLab.Nn;
using LlmLab.Quantization;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;

namespace LlmLab.Tests.Quantization;

/// <summary>
/// A GPT whose token embedding, and so its tied LM head, is quantised with its linear layers (ggml's GPT-2 quantises
/// wte): lookups dequantise the rows they pick, the head is the quantised matmul (integer dots for decode rows), and
/// the whole model computes the f32 GPT with every quantised weight dequantised, within f32 accumulation.
/// </summary>
[Collection("backends")]
public class QuantizedHeadTests
{
    private static readonly IBackend Cpu = TestBackends.Get("cpu");

    public static TheoryData<WeightFormat> Formats => new() { WeightFormat.Int8, WeightFormat.Q8_0, WeightFormat.Q4_0 };

    private static GptConfig Tiny(int width = 32) => new() { VocabularySize = 45, Context = 16, Layers = 2, Heads = 2, Width = width };

    [Theory, MemberData(nameof(Formats))]
    public void A_gpt_with_a_quantised_head_computes_the_f32_gpt_with_dequantised_weights(WeightFormat format)
    {
        var quantized = new Gpt(Cpu, Tiny(), seed: 4);
        var reference = new Gpt(Cpu, Tiny(), seed: 4);
        using var ids = Tensor.From(Cpu, TestData.Integers(5, 2 * 12, 0, 45), 2, 12);
        float[] f32 = Logits(quantized, ids);

        var summary = WeightQuantizer.Quantize(quantized, format, quantized.TokenEmbedding);
        Assert.Equal(format, quantized.TokenEmbedding.Format);
        Assert.Equal(("wte", 45L * 32), (summary.Embedding, summary.EmbeddingWeights));
        Assert.Equal(quantized.TokenEmbedding.WeightByteLength, summary.EmbeddingBytes);
        Assert.Equal(45L * 32 * 4 - summary.EmbeddingBytes, summary.EmbeddingSavedBytes);
        Assert.Equal((summary.ModelWeights - summary.LinearWeights - summary.EmbeddingWeights) * 4 + summary.LinearBytes + summary.EmbeddingBytes, summary.ModelBytes);
        foreach (var ((_, q), (_, r)) in WeightQuantizer.Linears(quantized).Zip(WeightQuantizer.Linears(reference)))
            Install(q.QuantizedWeight!, r.Weight);
        Install(quantized.TokenEmbedding.QuantizedWeight!, reference.TokenEmbedding.Weight);

        // A tape that records gradients keeps x in f32 (MatMulQuantized), so only the weights' rounding differs;
        // inference rounds x to Q8_0 too (MatMulIntegerDot, checked layer by layer).
        float[] actual = Logits(quantized, ids, recordGradients: true);
        AssertClose.Within(Logits(reference, ids), actual, abs: 1e-4, rel: 1e-4, what: $"{format.Name()} logits");
        var linearsOnly = new Gpt(Cpu, Tiny(), seed: 4);
        WeightQuantizer.Quantize(linearsOnly, format);
        Assert.Contains(actual.Zip(Logits(linearsOnly, ids, recordGradients: true)), p => p.First != p.Second);   // the head's rounding shows

        WeightQuantizer.Quantize(quantized, WeightFormat.F32);
        Assert.Equal(WeightFormat.F32, quantized.TokenEmbedding.Format);
        AssertClose.BitIdentical(f32, Logits(quantized, ids), "the GPT back in f32");
    }

    [Theory]
    [InlineData(WeightFormat.Q8_0)]
    [InlineData(WeightFormat.Q4_0)]
    public void A_decode_row_takes_integer_dots_through_the_tied_head(WeightFormat format)
    {
        var gpt = new Gpt(Cpu, Tiny(), seed: 6);
        WeightQuantizer.Quantize(gpt, format, gpt.TokenEmbedding);
        using var tape = new Tape(Cpu, recordGradients: false);
        using var hidden = Tensor.From(Cpu, TestData.Normal(3, 32), 1, 1, 32);
        using var integer = Cpu.MatMulIntegerDot(hidden, gpt.TokenEmbedding.QuantizedWeight!.Blocks!);
        using var dequantised = Cpu.MatMulQuantized(hidden, gpt.TokenEmbedding.QuantizedWeight);
        Assert.NotEqual(integer.ToArray<float>(), dequantised.ToArray<float>());
        AssertClose.BitIdentical(integer.ToArray<float>(), gpt.Logits(tape, tape.Constant(hidden)).Data.ToArray<float>(), "decode logits");
    }

    [Fact]
    public void A_quantised_table_is_frozen_and_lookups_still_pass_gradients_on()
    {
        var gpt = new Gpt(Cpu, Tiny(), seed: 2);
        WeightQuantizer.Quantize(gpt, WeightFormat.Q4_0, gpt.TokenEmbedding);
        using var ids = Tensor.From(Cpu, TestData.Integers(6, 8, 0, 45), 1, 8);
        using var targets = Tensor.From(Cpu, TestData.Integers(7, 8, 0, 45), 8);
        using var tape = new Tape(Cpu);
        tape.Backward(gpt.Loss(tape, ids, targets));
        Assert.Null(gpt.TokenEmbedding.Weight.Grad);
        Assert.Contains(gpt.PositionEmbedding!.Weight.Grad!.ToArray<float>(), g => g != 0f);
        Assert.Contains(gpt.FinalNorm.Weight.Grad!.ToArray<float>(), g => g != 0f);
    }

    [Fact]
    public void An_embedding_of_another_model_is_refused()
    {
        var gpt = new Gpt(Cpu, Tiny(), seed: 3);
        var other = new Gpt(Cpu, Tiny(), seed: 3);
        var e = Assert.Throws<ArgumentException>(() => WeightQuantizer.Quantize(gpt, WeightFormat.Int8, other.TokenEmbedding));
        Assert.Contains("not a module of this model", e.Message);
        Assert.All(WeightQuantizer.Linears(gpt), l => Assert.Equal(WeightFormat.F32, l.Layer.Format));
    }

    [Fact]
    public void Quantising_without_the_embedding_puts_a_quantised_one_back_in_f32()
    {
        var gpt = new Gpt(Cpu, Tiny(), seed: 8);
        float[] table = gpt.TokenEmbedding.Weight.ToArray<float>();
        WeightQuantizer.Quantize(gpt, WeightFormat.Q4_0, gpt.TokenEmbedding);
        var summary = WeightQuantizer.Quantize(gpt, WeightFormat.Q8_0);
        Assert.Null(summary.Embedding);
        Assert.Equal(WeightFormat.F32, gpt.TokenEmbedding.Format);
        Assert.Null(gpt.TokenEmbedding.QuantizedWeight);
        Assert.Equal(table, gpt.TokenEmbedding.Weight.ToArray<float>());
    }

    private static void Install(QuantizedWeight weight, Variable target)
    {
        using var dequantized = weight.Dequantize();
        Cpu.Copy(dequantized.Storage, dequantized.ByteOffset, target.Data.Storage, target.Data.ByteOffset, dequantized.ByteLength);
    }

    private static float[] Logits(Gpt gpt, Tensor ids, bool recordGradients = false)
    {
        using var tape = new Tape(Cpu, recordGradients);
        return gpt.Forward(tape, ids).Data.ToArray<float>();
    }
}
