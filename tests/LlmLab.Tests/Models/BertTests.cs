using LlmLab.Autograd;
using LlmLab.IO;
using LlmLab.Models;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;

namespace LlmLab.Tests.Models;

/// <summary>
/// LlmLab's Bert on its own: transformers' parameter names, transformers' initialisation from a seed, padding that
/// does not leak into real positions (within 2e-6 of running the row unpadded), and gradients that agree with a
/// central finite difference of the loss along a random direction in each parameter (within 2e-3 + 2%, float32 on
/// both sides).
/// </summary>
[Collection("backends")]
public class BertTests
{
    private static readonly BertConfig Tiny = new()
    {
        VocabularySize = 50, Width = 16, Layers = 2, Heads = 2, IntermediateSize = 32, MaxPositions = 12, PadTokenId = 0,
    };

    [Fact]
    public void Parameters_carry_the_names_transformers_saves()
    {
        var config = new BertConfig { VocabularySize = 512, Width = 48, Layers = 2, Heads = 4, IntermediateSize = 128, MaxPositions = 64 };
        var bert = new Bert(TestBackends.Get("cpu"), config, seed: 1);
        using var fixture = Safetensors.Open(Path.Combine(Fixtures.Path("hf/bert-tiny"), "model.safetensors"));
        Assert.Equal(fixture.Names.Order(StringComparer.Ordinal), bert.NamedParameters().Select(p => p.Name).Order(StringComparer.Ordinal));
        foreach (var (name, p) in bert.NamedParameters())
            Assert.Equal(fixture.Info(name).Shape.Select(d => (int)d), p.Shape.ToArray());
        var untied = new Bert(TestBackends.Get("cpu"), config with { TiedEmbeddings = false }, seed: 1);
        Assert.Contains("cls.predictions.decoder.weight", untied.NamedParameters().Select(p => p.Name));
    }

    [Fact]
    public void Initialisation_is_transformers_and_fixed_by_the_seed()
    {
        var backend = TestBackends.Get("cpu");
        var config = Tiny with { VocabularySize = 400, Width = 64 };
        var a = new Bert(backend, config, seed: 5);
        var b = new Bert(backend, config, seed: 5);
        var c = new Bert(backend, config, seed: 6);
        var named = a.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Data.ToArray<float>());
        foreach (var ((name, pb), (_, pc)) in b.NamedParameters().Zip(c.NamedParameters()))
        {
            Assert.Equal(named[name], pb.Data.ToArray<float>());
            if (name.EndsWith(".weight") && !name.Contains("LayerNorm")) Assert.NotEqual(named[name], pc.Data.ToArray<float>());
        }
        foreach (var (name, values) in named)
        {
            if (name.Contains("LayerNorm")) Assert.All(values, v => Assert.Equal(name.EndsWith(".weight") ? 1f : 0f, v));
            else if (name.EndsWith(".bias")) Assert.All(values, v => Assert.Equal(0f, v));
        }
        var word = named["bert.embeddings.word_embeddings.weight"];
        Assert.All(word[..64], v => Assert.Equal(0f, v));                              // padding_idx 0 starts at zero
        double std = Math.Sqrt(word[64..].Select(v => (double)v * v).Average());
        Assert.InRange(std, 0.019, 0.021);                                             // N(0, initializer_range)
    }

    [Fact]
    public void Padding_does_not_reach_the_real_positions()
    {
        // On cpu; the fixture test checks padded rows against transformers on every backend.
        var backend = TestBackends.Get("cpu");
        var bert = new Bert(backend, Tiny, seed: 2);
        int[] row = [1, 7, 9, 23, 4, 2];
        // The same row, padded to 10 with different junk in the padding, beside a full row.
        using var padded = Tensor.From(backend, [.. row, 0, 0, 0, 0, .. row, 5, 5, 44, 3, .. Enumerable.Range(10, 10)], 3, 10);
        using var mask = Tensor.From(backend, [.. Enumerable.Repeat(1, 6), 0, 0, 0, 0, .. Enumerable.Repeat(1, 6), 0, 0, 0, 0, .. Enumerable.Repeat(1, 10)], 3, 10);
        using var alone = Tensor.From(backend, row, 1, 6);
        using var tape = new Tape(backend, recordGradients: false);
        var logits = bert.Forward(tape, padded, mask).Data.ToArray<float>();
        var expected = bert.Forward(tape, alone).Data.ToArray<float>();
        int v = Tiny.VocabularySize;
        AssertClose.Within(expected, logits[..(6 * v)], 2e-6, 0, "padded row 0");
        AssertClose.Within(expected, logits[(10 * v)..(16 * v)], 2e-6, 0, "padded row 1");
    }

    [Fact]
    public void The_gradient_agrees_with_a_finite_difference_of_the_loss()
    {
        var backend = TestBackends.Get("cpu");
        var bert = new Bert(backend, Tiny with { InitializerRange = 0.3f }, seed: 3);   // larger weights: every path matters
        using var ids = Tensor.From(backend, new[] { 1, 7, 3, 23, 4, 2, 0, 0, 1, 9, 3, 3, 8, 3, 11, 2 }, 2, 8);
        using var mask = Tensor.From(backend, new[] { 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1 }, 2, 8);
        using var types = Tensor.From(backend, new[] { 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1 }, 2, 8);
        using var targets = Tensor.From(backend, new long[] { -100, -100, 30, -100, -100, -100, -100, -100, -100, -100, 12, 40, -100, 5, -100, -100 }, 16);
        float Loss()
        {
            using var tape = new Tape(backend, recordGradients: false);
            return bert.Loss(tape, ids, targets, mask, types).Data.ToArray<float>()[0];
        }

        var parameters = bert.NamedParameters().ToList();
        using (var tape = new Tape(backend))
            tape.Backward(bert.Loss(tape, ids, targets, mask, types));
        var random = new System.Random(4);
        const float h = 1e-3f;
        foreach (var (name, parameter) in parameters)
        {
            // Along a random direction in this parameter alone: sum(grad * d) against (L(w + h d) - L(w - h d)) / 2h.
            Assert.True(parameter.Grad is not null, $"{name} got no gradient");
            var data = parameter.Data;
            var original = data.ToArray<float>();
            var direction = original.Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            double analytic = parameter.Grad!.ToArray<float>().Zip(direction, (g, d) => (double)g * d).Sum();
            void Set(float by) =>
                backend.Write(data.Storage, data.ByteOffset, System.Runtime.InteropServices.MemoryMarshal.AsBytes(original.Zip(direction, (w, d) => w + by * d).ToArray().AsSpan()));
            Set(h);
            double up = Loss();
            Set(-h);
            double down = Loss();
            Set(0);
            double numeric = (up - down) / (2 * h);
            Assert.True(Math.Abs(numeric - analytic) <= 2e-3 + 0.02 * Math.Abs(analytic),
                $"{name}: the gradient along a random direction is {analytic:G6}, the finite difference {numeric:G6}");
        }
    }

    [Fact]
    public void Inputs_it_cannot_take_are_refused_clearly()
    {
        var backend = TestBackends.Get("cpu");
        var bert = new Bert(backend, Tiny, seed: 1);
        using var tape = new Tape(backend, recordGradients: false);
        using var tooLong = Tensor.Zeros(backend, new Shape(1, 13), DType.I32);
        Assert.Contains("13 positions exceed BERT's 12", Assert.Throws<ArgumentException>(() => bert.Forward(tape, tooLong)).Message);
        using var ids = Tensor.Zeros(backend, new Shape(2, 4), DType.I32);
        using var wrongMask = Tensor.Zeros(backend, new Shape(2, 5), DType.I32);
        Assert.Contains("attention mask [2, 5]", Assert.Throws<ArgumentException>(() => bert.Forward(tape, ids, wrongMask)).Message);
        using var types = Tensor.From(backend, new[] { 0, 0, 0, 2, 0, 0, 0, 0 }, 2, 4);
        Assert.Contains("id 2", Assert.Throws<ArgumentException>(() => bert.Forward(tape, ids, tokenTypeIds: types)).Message);
        Assert.Contains("width 16 must be a positive multiple of heads 3", Assert.Throws<ArgumentException>(() => new Bert(backend, Tiny with { Heads = 3 }, 1)).Message);
    }
}
