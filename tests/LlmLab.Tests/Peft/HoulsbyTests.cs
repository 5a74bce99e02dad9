using System.Text.Json.Nodes;
using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.IO;
using LlmLab.Models;
using LlmLab.Models.HuggingFace;
using LlmLab.Nn;
using LlmLab.Peft;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;

namespace LlmLab.Tests.Peft;

/// <summary>
/// Houlsby bottleneck adapters: an adapter whose up projection is zero leaves the model's logits bit-identical and
/// the init starts near there, the trainable-parameter count, gradients against float64 (swish and ReLU), and the
/// files loaded back bit-identical.
/// </summary>
[Collection("backends")]
public class HoulsbyTests
{
    public static TheoryData<string> Backends => TestBackends.All;

    private static readonly IBackend Cpu = TestBackends.Get("cpu");
    private static readonly int[] Ids = [5, 17, 300, 2, 41, 9, 77, 8];           // [2, 4]

    private static string TempFolder() => Path.Combine(Path.GetTempPath(), "llmlab-houlsby-" + Guid.NewGuid().ToString("N"));

    private static float[] Run(HfModel model, Tensor ids)
    {
        using var tape = new Tape(Cpu, recordGradients: false);
        return model.Forward(tape, new ModelInputs(ids, null, null)).Data.ToArray<float>();
    }

    [Theory]
    [InlineData("gpt2-tiny")]
    [InlineData("llama-tiny")]
    [InlineData("bert-tiny")]
    public void Adapters_start_near_the_identity_and_are_it_with_a_zero_up_projection(string fixture)
    {
        var model = HfCheckpoint.Load(Cpu, Fixtures.Path("hf/" + fixture));
        using var ids = Tensor.From(Cpu, Ids, 2, 4);
        var before = Run(model, ids);
        Houlsby.Apply(model, new HoulsbyConfig(), seed: 3);
        var adapters = model.Module.NamedModules().Select(m => m.Module).OfType<Bottleneck>().ToList();
        Assert.Equal(4, adapters.Count);

        var initial = Run(model, ids);
        double largest = before.Zip(initial, (a, b) => Math.Abs(a - b)).Max();
        Assert.InRange(largest, 1e-7, 0.05);

        foreach (var adapter in adapters)
        {
            Float64Gpt.Write(adapter.Up.Weight, new float[adapter.Up.Weight.Data.ElementCount]);
            Float64Gpt.Write(adapter.Up.Bias!, new float[adapter.Up.Bias!.Data.ElementCount]);
        }
        AssertClose.BitIdentical(before, Run(model, ids), $"{fixture} with zero up projections");
    }

    [Theory]
    [InlineData("gpt2-tiny", 16, 3)]
    [InlineData("llama-tiny", 16, 3)]
    [InlineData("gpt2-tiny", 5, 9)]
    [InlineData("bert-tiny", 16, 3)]
    public void Trainable_parameters_are_two_adapters_a_block(string fixture, int reduction, int bottleneck)
    {
        var model = HfCheckpoint.Load(Cpu, Fixtures.Path("hf/" + fixture));
        var config = new HoulsbyConfig { ReductionFactor = reduction };
        Houlsby.Apply(model, config, seed: 1);
        const int layers = 2, width = 48;
        long expected = 2 * layers * (2 * width * bottleneck + bottleneck + width);
        Assert.Equal(expected, model.Module.ParameterCount(trainableOnly: true));
        Assert.Equal(expected, Houlsby.TrainableParameterCount(layers, width, config));
        Assert.All(model.Module.NamedParameters(), p => Assert.Equal(p.Name.Contains("_adapter.", StringComparison.Ordinal), p.Parameter.RequiresGrad));
        Assert.Throws<InvalidOperationException>(() => Houlsby.Apply(model, config, seed: 1));
        Assert.Throws<ArgumentException>(() => Houlsby.TrainableParameterCount(layers, width, new HoulsbyConfig { ReductionFactor = 64 }));
    }

    [Theory, MemberData(nameof(Backends))]
    public void Swish_adapter_gradients_match_float64(string backendName) =>
        CheckGradients(backendName, BottleneckActivation.Swish, z => z / (1 + Math.Exp(-z)));

    [Theory, MemberData(nameof(Backends))]
    public void Relu_adapter_gradients_match_float64(string backendName) =>
        CheckGradients(backendName, BottleneckActivation.Relu, z => Math.Max(z, 0));

    [Theory, MemberData(nameof(Backends))]
    public void Bert_adapter_gradients_match_float64(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        var bert = new Bert(backend, Float64Bert.Tiny, seed: 1);
        Houlsby.Apply(bert, new HoulsbyConfig { ReductionFactor = 4 }, seed: 5);
        Float64Gpt.Randomise(bert, seed: 40);
        long[] rows = [3, 7, 1, 12, 0];
        long[] targets = [-100, 1, -100, 0, 5];
        using var ids = Tensor.From(backend, rows, 1, 5);
        using var labels = Tensor.From(backend, targets, 1, 5);
        int checkedCount = Float64Gpt.CheckGradients(backend, bert, tape => bert.Loss(tape, ids, labels), p => Float64Bert.Loss(p, rows, targets));
        Assert.Equal(2 * 2 * 4, checkedCount);
    }

    private static void CheckGradients(string backendName, BottleneckActivation activation, Func<double, double> reference)
    {
        var backend = TestBackends.Get(backendName);
        var gpt = new Gpt(backend, Float64Gpt.Tiny, seed: 1);
        Houlsby.Apply(gpt, new HoulsbyConfig { ReductionFactor = 4, Activation = activation }, seed: 5);
        Float64Gpt.Randomise(gpt, seed: 40);
        long[] rows = [3, 7, 1, 12, 0, 5];
        long[] targets = [7, 1, 12, 0, 5, 9];
        using var ids = Tensor.From(backend, rows, 1, 6);
        using var labels = Tensor.From(backend, targets, 1, 6);
        int checkedCount = Float64Gpt.CheckGradients(backend, gpt, tape => gpt.Loss(tape, ids, labels),
            p => Float64Gpt.Loss(p, rows, targets, adapterActivation: reference));
        Assert.Equal(2 * 2 * 4, checkedCount);
    }

    [Theory]
    [InlineData("gpt2-tiny", BottleneckActivation.Swish)]
    [InlineData("llama-tiny", BottleneckActivation.Relu)]
    [InlineData("bert-tiny", BottleneckActivation.Swish)]
    public void Saved_adapters_load_back_bit_identical(string fixture, BottleneckActivation activation)
    {
        string folder = TempFolder();
        try
        {
            var model = HfCheckpoint.Load(Cpu, Fixtures.Path("hf/" + fixture));
            Houlsby.Apply(model, new HoulsbyConfig { ReductionFactor = 8, Activation = activation }, seed: 7);
            Float64Gpt.Randomise(model.Module, seed: 90);   // frozen weights too: the loaded model must bring only the adapters
            HoulsbyAdapter.Save(model, folder);

            var config = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "adapter_config.json")))!.AsObject();
            Assert.Equal("BOTTLENECK", (string?)config["peft_type"]);
            Assert.Equal(fixture == "bert-tiny" ? "FEATURE_EXTRACTION" : "CAUSAL_LM", (string?)config["task_type"]);
            Assert.Equal(8, (int)config["reduction_factor"]!);
            Assert.Equal(6, (int)config["bottleneck_size"]!);
            Assert.Equal(activation == BottleneckActivation.Relu ? "relu" : "swish", (string?)config["non_linearity"]);
            Assert.Equal(48, (int)config["hidden_size"]!);
            Assert.Equal(2, (int)config["num_layers"]!);
            using (var file = Safetensors.Open(Path.Combine(folder, "adapter_model.safetensors")))
            {
                Assert.Equal(16, file.Names.Count());
                string block = fixture == "bert-tiny" ? "bert.encoder.layer." : "h.";
                Assert.Equal([6, 48], file.Info(block + "1.mlp_adapter.adapter_down.weight").Shape);
                Assert.Equal([48, 6], file.Info(block + "0.attn_adapter.adapter_up.weight").Shape);
            }

            var loaded = HfCheckpoint.Load(Cpu, Fixtures.Path("hf/" + fixture));
            foreach (var (name, p) in model.Module.NamedParameters().Where(p => !p.Parameter.RequiresGrad))
                Float64Gpt.Write(loaded.Module.NamedParameters().Single(q => q.Name == name).Parameter, p.Data.ToArray<float>());
            HoulsbyAdapter.Load(loaded, folder);
            var trained = model.Module.NamedParameters().Where(p => p.Parameter.RequiresGrad).ToList();
            var back = loaded.Module.NamedParameters().Where(p => p.Parameter.RequiresGrad).ToList();
            Assert.Equal(trained.Select(p => p.Name), back.Select(p => p.Name));
            foreach (var ((name, a), (_, b)) in trained.Zip(back)) AssertClose.BitIdentical(a.Data.ToArray<float>(), b.Data.ToArray<float>(), name);
            Assert.All(loaded.Module.NamedModules().Select(m => m.Module).OfType<Bottleneck>(), a => Assert.Equal(activation, a.Activation));
            using var ids = Tensor.From(Cpu, Ids, 2, 4);
            AssertClose.BitIdentical(Run(model, ids), Run(loaded, ids), $"{fixture} logits after the round trip");
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Adapters_for_another_model_are_refused_before_anything_changes()
    {
        string folder = TempFolder();
        try
        {
            var small = new Gpt(Cpu, Float64Gpt.Tiny, seed: 1);
            Houlsby.Apply(small, new HoulsbyConfig { ReductionFactor = 4 }, seed: 1);
            HoulsbyAdapter.Save(small, folder);
            var gpt2 = HfCheckpoint.Load(Cpu, Fixtures.Path("hf/gpt2-tiny"));
            var error = Assert.Throws<InvalidDataException>(() => HoulsbyAdapter.Load(gpt2, folder));
            Assert.Contains("hidden_size 8", error.Message);
            Assert.All(gpt2.Module.NamedParameters(), p => Assert.True(p.Parameter.RequiresGrad));
            Assert.Throws<InvalidDataException>(() => PrefixTuningAdapter.Load(gpt2, folder));
            Assert.Contains("hidden_size 8", Assert.Throws<InvalidDataException>(() => HoulsbyAdapter.Load(HfCheckpoint.Load(Cpu, Fixtures.Path("hf/t5-tiny")), folder)).Message);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }
}
