using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Models;
using LlmLab.Models.HuggingFace;
using LlmLab.Peft;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;

namespace LlmLab.Tests.Peft;

/// <summary>
/// BitFit: which parameters train (biases, and norm gains on request) on every family, the count against the
/// formula of <see cref="BitFit"/>'s docs, gradients against float64, and files that load back bit-identical.
/// </summary>
[Collection("backends")]
public class BitFitTests
{
    public static TheoryData<string> Backends => TestBackends.All;

    private static readonly IBackend Cpu = TestBackends.Get("cpu");
    private static readonly long[] Ids = [3, 7, 1, 12, 0, 5];
    private static readonly long[] Targets = [7, 1, 12, 0, 5, 9];

    [Fact]
    public void Only_biases_train_and_the_count_is_the_formula()
    {
        var gpt = new Gpt(Cpu, Float64Gpt.Tiny, seed: 1);
        var trained = BitFit.Apply(gpt);
        Assert.All(gpt.NamedParameters(), p => Assert.Equal(p.Name.EndsWith(".bias", StringComparison.Ordinal), p.Parameter.RequiresGrad));
        Assert.Equal(trained.Select(t => t.Name), gpt.NamedParameters().Where(p => p.Parameter.RequiresGrad).Select(p => p.Name));
        // L (7C + H) + C: q, k, v, o, c_proj and two LayerNorm biases of C, c_fc's of H a block, and ln_f's.
        var (layers, c, h) = (Float64Gpt.Tiny.Layers, Float64Gpt.Tiny.Width, Float64Gpt.Tiny.MlpHidden);
        Assert.Equal(layers * (7 * c + h) + c, gpt.ParameterCount(trainableOnly: true));

        BitFit.Apply(gpt, includeNorms: true);
        Assert.Equal(layers * (9 * c + h) + 2 * c, gpt.ParameterCount(trainableOnly: true));
        Assert.True(gpt.FinalNorm.Weight.RequiresGrad);
        Assert.False(gpt.Blocks[0].Attention.Query.Weight.RequiresGrad);
    }

    [Fact]
    public void Every_family_counts_as_its_formula()
    {
        long Count(string fixture, bool norms)
        {
            var model = HfCheckpoint.Load(Cpu, Fixtures.Path("hf/" + fixture));
            BitFit.Apply(model.Module, norms);
            return model.Module.ParameterCount(trainableOnly: true);
        }
        // gpt2-tiny: L 2, C 48, H 192. bert-tiny: L 2, C 48, I 128, V 512. llama-tiny: L 2, C 48. t5-tiny: 2 + 2 blocks, C 48.
        Assert.Equal(2 * (7 * 48 + 192) + 48, Count("gpt2-tiny", norms: false));
        Assert.Equal(2 * (9 * 48 + 192) + 2 * 48, Count("gpt2-tiny", norms: true));
        // BERT: L (7C + I), the embeddings' LayerNorm, the head's dense and LayerNorm (3C), cls.predictions.bias (V).
        Assert.Equal(2 * (7 * 48 + 128) + 3 * 48 + 512, Count("bert-tiny", norms: false));
        Assert.Equal((2 * 2 + 1) * 48, Count("llama-tiny", norms: true));
        Assert.Equal((2 * 2 + 3 * 2 + 2) * 48, Count("t5-tiny", norms: true));
        var error = Assert.Throws<ArgumentException>(() => Count("llama-tiny", norms: false));
        Assert.Contains("includeNorms", error.Message);
    }

    [Theory, MemberData(nameof(Backends))]
    public void Bias_gradients_match_float64(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        var gpt = new Gpt(backend, Float64Gpt.Tiny, seed: 1);
        Float64Gpt.Randomise(gpt, seed: 20);
        BitFit.Apply(gpt, includeNorms: true);
        using var ids = Tensor.From(backend, Ids, 1, Ids.Length);
        using var targets = Tensor.From(backend, Targets, Targets.Length);
        int checkedCount = Float64Gpt.CheckGradients(backend, gpt, tape => gpt.Loss(tape, ids, targets),
            p => Float64Gpt.Loss(p, Ids, Targets));
        Assert.Equal(BitFit.Selected(gpt, includeNorms: true).Count, checkedCount);
    }

    [Fact]
    public void Saved_vectors_load_back_bit_identical()
    {
        string folder = Path.Combine(Path.GetTempPath(), "llmlab-bitfit-" + Guid.NewGuid().ToString("N"));
        try
        {
            var trained = new Gpt(Cpu, Float64Gpt.Tiny, seed: 1);
            foreach (var (name, p) in BitFit.Apply(trained))
                Float64Gpt.Write(p, TestData.Uniform(name.Length, p.Data.ElementCount));
            BitFitAdapter.Save(trained, folder);

            var loaded = new Gpt(Cpu, Float64Gpt.Tiny, seed: 1);
            BitFitAdapter.Load(loaded, folder);
            var expected = trained.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
            foreach (var (name, p) in loaded.NamedParameters())
            {
                AssertClose.BitIdentical(expected[name].Data.ToArray<float>(), p.Data.ToArray<float>(), name);
                Assert.Equal(expected[name].RequiresGrad, p.RequiresGrad);
            }

            // A model that lacks one of the file's vectors (no biases at all) is refused by name.
            var biasFree = new Gpt(Cpu, Float64Gpt.Tiny with { Bias = false }, seed: 1);
            var error = Assert.Throws<InvalidDataException>(() => BitFitAdapter.Load(biasFree, folder));
            Assert.Contains("matches nothing", error.Message);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }
}
