using LlmLab.Backends;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;
using LlmLab.Training;

namespace LlmLab.Tests.Training;

/// <summary>The optimizer's bookkeeping: weight-decay selection, the step counter, moments by name, bad calls (cpu; exact).</summary>
public class AdamWOptimizerTests
{
    private static readonly IBackend Cpu = TestBackends.Get("cpu");

    private static (string, Tensor)[] Parameters() =>
    [
        ("wte.weight", Tensor.From(Cpu, new[] { 1f, 2f, 3f, 4f }, 2, 2)),
        ("ln.bias", Tensor.From(Cpu, new[] { 1f, 2f }, 2)),
    ];

    private static Dictionary<string, Tensor> ZeroGradients() => new()
    {
        ["wte.weight"] = Tensor.Zeros(Cpu, new Shape(2, 2)),
        ["ln.bias"] = Tensor.Zeros(Cpu, new Shape(2)),
    };

    [Fact]
    public void Matrices_only_decays_rank_two_and_leaves_biases()
    {
        var parameters = Parameters();
        using var optimizer = new AdamWOptimizer(Cpu, parameters, weightDecay: 0.1f, decay: WeightDecaySelection.MatricesOnly);
        Assert.Equal([true, false], optimizer.Parameters.Select(p => p.Decays));
        // Zero gradients: Adam's update is 0 / (0 + eps) = 0, so only the decay p * (1 - lr wd) moves a parameter.
        optimizer.Step(ZeroGradients(), 0.5f);
        float decay = (float)(1 - 0.5 * 0.1);
        Assert.Equal(new[] { 1f * decay, 2f * decay, 3f * decay, 4f * decay }, parameters[0].Item2.ToArray<float>());
        Assert.Equal(new[] { 1f, 2f }, parameters[1].Item2.ToArray<float>());
        Assert.Equal(1, optimizer.StepCount);
    }

    [Fact]
    public void All_decays_every_parameter()
    {
        using var optimizer = new AdamWOptimizer(Cpu, Parameters(), weightDecay: 0.1f, decay: WeightDecaySelection.All);
        Assert.All(optimizer.Parameters, p => Assert.True(p.Decays));
    }

    [Fact]
    public void Step_is_backend_AdamW_per_parameter_with_the_step_counter()
    {
        var parameters = Parameters();
        var copies = parameters.Select(p => p.Item2.Clone()).ToArray();
        var grads = new Dictionary<string, Tensor>
        {
            ["wte.weight"] = Tensor.From(Cpu, new[] { 0.1f, -0.2f, 0.3f, -0.4f }, 2, 2),
            ["ln.bias"] = Tensor.From(Cpu, new[] { 0.5f, -0.5f }, 2),
        };
        using var optimizer = new AdamWOptimizer(Cpu, parameters, weightDecay: 0.1f, decay: WeightDecaySelection.MatricesOnly);
        var moments = copies.Select(c => (M: Tensor.Zeros(Cpu, c.Shape), V: Tensor.Zeros(Cpu, c.Shape))).ToArray();
        for (int t = 1; t <= 2; t++)
        {
            optimizer.Step(grads, 1e-2f, 0.5f);
            Cpu.AdamW(copies[0], grads["wte.weight"], moments[0].M, moments[0].V, new AdamWStep(1e-2f, t, 0.9f, 0.999f, 1e-8f, 0.1f, 0.5f));
            Cpu.AdamW(copies[1], grads["ln.bias"], moments[1].M, moments[1].V, new AdamWStep(1e-2f, t, 0.9f, 0.999f, 1e-8f, 0f, 0.5f));
        }
        for (int i = 0; i < 2; i++)
            AssertClose.BitIdentical(copies[i].ToArray<float>(), parameters[i].Item2.ToArray<float>(), parameters[i].Item1);
        var state = optimizer.Moments().ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal(["exp_avg.wte.weight", "exp_avg_sq.wte.weight", "exp_avg.ln.bias", "exp_avg_sq.ln.bias"], state.Keys);
        AssertClose.BitIdentical(moments[1].V.ToArray<float>(), state["exp_avg_sq.ln.bias"].ToArray<float>(), "second moment");
        Assert.Equal(2, optimizer.StepCount);
    }

    [Fact]
    public void Moments_load_back_from_a_checkpoint()
    {
        using var source = new AdamWOptimizer(Cpu, Parameters());
        source.Step(new Dictionary<string, Tensor>
        {
            ["wte.weight"] = Tensor.From(Cpu, new[] { 1f, 2f, 3f, 4f }, 2, 2),
            ["ln.bias"] = Tensor.From(Cpu, new[] { 1f, -1f }, 2),
        }, 1e-3f);
        var saved = source.Moments().ToDictionary(kv => kv.Key, kv => kv.Value.Clone());
        using var restored = new AdamWOptimizer(Cpu, Parameters());
        restored.LoadMoments(saved, source.StepCount);
        Assert.Equal(1, restored.StepCount);
        foreach (var (name, moment) in restored.Moments())
            Assert.Equal(saved[name].ToArray<float>(), moment.ToArray<float>());
        var wrong = new Dictionary<string, Tensor>(saved) { ["exp_avg.ln.bias"] = Tensor.Zeros(Cpu, new Shape(3)) };
        Assert.Contains("[3]", Assert.Throws<ArgumentException>(() => restored.LoadMoments(wrong, 1)).Message);
    }

    [Fact]
    public void Bad_calls_name_the_parameter()
    {
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() =>
            new AdamWOptimizer(Cpu, [("w", Tensor.Zeros(Cpu, new Shape(2))), ("w", Tensor.Zeros(Cpu, new Shape(2)))])).Message);
        Assert.Contains("i32", Assert.Throws<ArgumentException>(() =>
            new AdamWOptimizer(Cpu, [("ids", Tensor.From(Cpu, new[] { 1 }, 1))])).Message);
        Assert.Contains("betas", Assert.Throws<ArgumentException>(() => new AdamWOptimizer(Cpu, Parameters(), beta2: 1f)).Message);
        using var optimizer = new AdamWOptimizer(Cpu, Parameters());
        var missing = ZeroGradients();
        missing.Remove("ln.bias");
        Assert.Contains("no gradient for parameter 'ln.bias'", Assert.Throws<ArgumentException>(() => optimizer.Step(missing, 1e-3f)).Message);
        var extra = ZeroGradients();
        extra["lm_head.weight"] = Tensor.Zeros(Cpu, new Shape(2));
        Assert.Contains("'lm_head.weight'", Assert.Throws<ArgumentException>(() => optimizer.Step(extra, 1e-3f)).Message);
        Assert.Equal(0, optimizer.StepCount); // a refused step does not count
    }
}
