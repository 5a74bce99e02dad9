using LlmLab.Backends;
using LlmLab.Tensors;

namespace LlmLab.Training;

/// <summary>
/// AdamW over a list of named parameters: each holds its first and second moments (zeros at the start, owned and
/// disposed here) and whether it decays. <see cref="Step"/> advances the step counter (bias correction counts from
/// 1) and calls <see cref="IBackend.AdamW"/> once per parameter, in list order, in place. The moments are exposed
/// under torch's state names ("exp_avg.&lt;name&gt;", "exp_avg_sq.&lt;name&gt;") for checkpoints. Defaults are
/// torch.optim.AdamW's (betas 0.9, 0.999, eps 1e-8, weight decay 0.01 on every parameter); nanoGPT's are
/// weightDecay 0.1, beta2 0.95 (0.99 for small models), <see cref="WeightDecaySelection.MatricesOnly"/>.
/// </summary>
public sealed class AdamWOptimizer : IDisposable
{
    public const string FirstMomentPrefix = "exp_avg.";
    public const string SecondMomentPrefix = "exp_avg_sq.";

    private readonly List<AdamWParameter> _parameters = [];
    private readonly Dictionary<string, AdamWParameter> _byName = new(StringComparer.Ordinal);

    public AdamWOptimizer(IBackend backend, IEnumerable<(string Name, Tensor Parameter)> parameters, float weightDecay = 0.01f,
        WeightDecaySelection decay = WeightDecaySelection.All, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f)
    {
        Backend = backend;
        WeightDecay = weightDecay;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        // Validated once here, as torch.optim.AdamW's constructor does (the backend checks each step again).
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
            throw new ArgumentException($"adamw optimizer: betas must lie in [0, 1), got ({beta1}, {beta2})");
        if (!(epsilon >= 0) || !float.IsFinite(epsilon))
            throw new ArgumentException($"adamw optimizer: epsilon must be finite and >= 0, got {epsilon}");
        if (!(weightDecay >= 0) || !float.IsFinite(weightDecay))
            throw new ArgumentException($"adamw optimizer: weight decay must be finite and >= 0, got {weightDecay}");
        foreach (var (name, parameter) in parameters)
        {
            if (string.IsNullOrEmpty(name)) throw new ArgumentException("adamw optimizer: a parameter has no name");
            if (_byName.ContainsKey(name)) throw new ArgumentException($"adamw optimizer: parameter '{name}' is listed twice");
            if (!ReferenceEquals(parameter.Backend, backend))
                throw new ArgumentException($"adamw optimizer: parameter '{name}' lives on '{parameter.Backend.Name}', not '{backend.Name}'");
            if (parameter.DType != DType.F32)
                throw new ArgumentException($"adamw optimizer: parameter '{name}' must be f32, got {parameter.DType.Name()} of shape {parameter.Shape}");
            bool decays = decay == WeightDecaySelection.All || parameter.Rank >= 2;
            var entry = new AdamWParameter(name, parameter, Tensor.Zeros(backend, parameter.Shape), Tensor.Zeros(backend, parameter.Shape), decays);
            _parameters.Add(entry);
            _byName.Add(name, entry);
        }
    }

    public IBackend Backend { get; }
    public float WeightDecay { get; }
    public float Beta1 { get; }
    public float Beta2 { get; }
    public float Epsilon { get; }

    /// <summary>Steps taken so far (torch's state "step"); set it when resuming from a checkpoint.</summary>
    public int StepCount { get; set; }

    public IReadOnlyList<AdamWParameter> Parameters => _parameters;

    /// <summary>
    /// One AdamW step: every parameter needs a gradient of its shape under its name (no more, no fewer).
    /// <paramref name="gradientScale"/> is the clipping scale (<see cref="GradientClipping.Scale"/>).
    /// </summary>
    public void Step(IReadOnlyDictionary<string, Tensor> gradients, float learningRate, float gradientScale = 1f)
    {
        foreach (var name in gradients.Keys)
            if (!_byName.ContainsKey(name))
                throw new ArgumentException($"adamw optimizer: a gradient for '{name}', which is not one of its parameters");
        foreach (var p in _parameters)
            if (!gradients.ContainsKey(p.Name))
                throw new ArgumentException($"adamw optimizer: no gradient for parameter '{p.Name}' {p.Parameter.Shape}");
        int step = StepCount + 1;
        foreach (var p in _parameters)
        {
            var hyper = new AdamWStep(learningRate, step, Beta1, Beta2, Epsilon, p.Decays ? WeightDecay : 0f, gradientScale);
            Backend.AdamW(p.Parameter, gradients[p.Name], p.FirstMoment, p.SecondMoment, hyper);
        }
        StepCount = step;
    }

    /// <summary>The moments under torch's state names, live (a checkpoint reads them; copying into them restores).</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> Moments()
    {
        foreach (var p in _parameters)
        {
            yield return new(FirstMomentPrefix + p.Name, p.FirstMoment);
            yield return new(SecondMomentPrefix + p.Name, p.SecondMoment);
        }
    }

    /// <summary>Restores every moment from a checkpoint's tensors (same names and shapes) and the step counter.</summary>
    public void LoadMoments(IReadOnlyDictionary<string, Tensor> state, int stepCount)
    {
        if (stepCount < 0) throw new ArgumentException($"adamw optimizer: the step count must be >= 0, got {stepCount}");
        foreach (var (name, moment) in Moments())
        {
            if (!state.TryGetValue(name, out var saved))
                throw new ArgumentException($"adamw optimizer: the state has no '{name}'");
            if (saved.Shape != moment.Shape || saved.DType != DType.F32)
                throw new ArgumentException($"adamw optimizer: '{name}' is {saved.DType.Name()} {saved.Shape}, expected f32 {moment.Shape}");
            Backend.Write(moment.Storage, moment.ByteOffset, saved.ToBytes());
        }
        StepCount = stepCount;
    }

    public void Dispose()
    {
        foreach (var p in _parameters)
        {
            p.FirstMoment.Dispose();
            p.SecondMoment.Dispose();
        }
    }
}
