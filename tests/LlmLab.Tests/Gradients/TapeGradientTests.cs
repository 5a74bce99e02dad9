using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Nn;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;
using LlmLab.Tests.Kernels;
using LlmLab.Tests.References;

namespace LlmLab.Tests.Gradients;

/// <summary>
/// Whole networks on the tape against float64 central finite differences of the same network computed in double
/// (<see cref="Float64Net"/>), on every backend. Tolerance per gradient element: 1e-4 + 2e-3 x |expected| (float32
/// forward and backward against exact arithmetic on tiny shapes).
/// </summary>
[Collection("backends")]
public class TapeGradientTests
{
    public static TheoryData<string> Backends => TestBackends.All;

    /// <summary>Named float32 parameters, their double copies (nudged by the finite differences) and shapes.</summary>
    private sealed class Parameters(int seed)
    {
        private int _next = seed;
        public Dictionary<string, (float[] Values, int[] Shape)> Float32 { get; } = new();
        public Dictionary<string, double[]> Float64 { get; } = new();

        public void Add(string name, float scale, params int[] shape)
        {
            var values = TestData.Uniform(_next++, shape.Aggregate(1, (a, b) => a * b), scale);
            Float32[name] = (values, shape);
            Float64[name] = TestData.ToDouble(values);
        }
    }

    private static void CheckGradients(IBackend backend, Parameters p, Func<Tape, Dictionary<string, Variable>, Variable> network,
        Func<Dictionary<string, double[]>, double> reference, params string[] frozen)
    {
        using var tape = new Tape(backend);
        var leaves = p.Float32.ToDictionary(kv => kv.Key,
            kv => tape.Leaf(Tensor.From(backend, kv.Value.Values, kv.Value.Shape), kv.Key, requiresGrad: !frozen.Contains(kv.Key)));
        var loss = network(tape, leaves);
        double expectedLoss = reference(p.Float64);
        Assert.InRange(loss.Data.ToArray<float>()[0], expectedLoss - 1e-4 - 1e-4 * Math.Abs(expectedLoss), expectedLoss + 1e-4 + 1e-4 * Math.Abs(expectedLoss));
        tape.Backward(loss);
        foreach (var (name, leaf) in leaves)
        {
            if (frozen.Contains(name))
            {
                Assert.Null(leaf.Grad);
                leaf.Data.Dispose();
                continue;
            }
            Assert.True(leaf.Grad is not null, $"{name} got no gradient");
            var expected = Float64Net.FiniteDifference(() => reference(p.Float64), p.Float64[name]);
            AssertClose.Within(expected, leaf.Grad!.ToArray<float>(), 1e-4, 2e-3, $"d loss / d {name} on {backend.Name}");
            leaf.ZeroGrad();
            leaf.Data.Dispose();
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void Mlp_with_layernorm_and_cross_entropy(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        const int rows = 4, inF = 8, hidden = 6, classes = 5;
        long[] targets = [1, 4, -100, 0];
        using var t = Tensor.From(backend, targets, targets.Length);
        var p = new Parameters(10);
        p.Add("x", 1, rows, inF);
        p.Add("w1", 0.5f, hidden, inF);
        p.Add("b1", 0.5f, hidden);
        p.Add("ln.weight", 1, hidden);
        p.Add("ln.bias", 0.5f, hidden);
        p.Add("w2", 0.5f, classes, hidden);
        CheckGradients(backend, p,
            (tape, v) =>
            {
                var h = tape.Gelu(tape.MatMul(v["x"], v["w1"], transposeB: true, bias: v["b1"]));
                var logits = tape.MatMul(tape.LayerNorm(h, v["ln.weight"], v["ln.bias"]), v["w2"], transposeB: true);
                return tape.CrossEntropy(logits, t);
            },
            d =>
            {
                var h = Float64Net.Map(Float64Net.Linear(d["x"], d["w1"], d["b1"], inF, hidden), ElementwiseReference.Gelu);
                var n = RowOpsReference.LayerNorm(h, d["ln.weight"], d["ln.bias"], 1e-5);
                return Float64Net.CrossEntropyMean(Float64Net.Linear(n, d["w2"], null, hidden, classes), classes, targets);
            });
    }

    [Theory, MemberData(nameof(Backends))]
    public void Embedding_rope_causal_attention_and_rmsnorm(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        const int vocab = 7, time = 5, dim = 4;
        long[] ids = [3, 1, 3, 6, 0];
        long[] targets = [1, 3, 6, 0, 2];
        int[] positions = [0, 1, 2, 3, 4];
        using var idTensor = Tensor.From(backend, ids, time);
        using var targetTensor = Tensor.From(backend, targets, time);
        using var positionTensor = Tensor.From(backend, positions, time);
        var p = new Parameters(20);
        p.Add("wte", 1, vocab, dim);
        p.Add("wq", 0.7f, dim, dim);
        p.Add("wk", 0.7f, dim, dim);
        p.Add("wv", 0.7f, dim, dim);
        p.Add("norm.weight", 1, dim);
        CheckGradients(backend, p,
            (tape, v) =>
            {
                var x = tape.Embedding(v["wte"], idTensor);                                       // [T, D]
                var q = tape.Rope(tape.Reshape(tape.MatMul(x, v["wq"], transposeB: true), 1, 1, time, dim), positionTensor);
                var k = tape.Rope(tape.Reshape(tape.MatMul(x, v["wk"], transposeB: true), 1, 1, time, dim), positionTensor);
                var val = tape.Reshape(tape.MatMul(x, v["wv"], transposeB: true), 1, 1, time, dim);
                var o = tape.Reshape(tape.Attention(q, k, val, new AttentionOptions { Causal = true }), time, dim);
                var h = tape.RmsNorm(tape.Add(o, x), v["norm.weight"]);
                return tape.CrossEntropy(tape.MatMul(h, v["wte"], transposeB: true), targetTensor); // tied embedding
            },
            d =>
            {
                var x = RowOpsReference.Embedding(d["wte"], dim, ids);
                var q = RowOpsReference.Rope(Float64Net.Linear(x, d["wq"], null, dim, dim), 1, 1, time, dim, positions, false, 10000);
                var k = RowOpsReference.Rope(Float64Net.Linear(x, d["wk"], null, dim, dim), 1, 1, time, dim, positions, false, 10000);
                var val = Float64Net.Linear(x, d["wv"], null, dim, dim);
                var o = Float64Net.Attention(q, k, val, 1, time, dim, causal: true);
                var h = RowOpsReference.RmsNorm(Float64Net.Add(o, x), d["norm.weight"], 1e-6);
                return Float64Net.CrossEntropyMean(Float64Net.Linear(h, d["wte"], null, dim, vocab), vocab, targets);
            });
    }

    [Theory, MemberData(nameof(Backends))]
    public void Lora_gradients_reach_A_B_and_the_input_but_not_the_frozen_weight(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        const int rows = 3, inF = 6, outF = 5, rank = 2;
        const float scale = 1.5f;
        long[] targets = [0, 4, 2];
        using var t = Tensor.From(backend, targets, rows);
        var p = new Parameters(30);
        p.Add("x", 1, rows, inF);
        p.Add("weight", 0.5f, outF, inF);
        p.Add("bias", 0.5f, outF);
        p.Add("lora_A", 0.5f, rank, inF);
        p.Add("lora_B", 0.5f, outF, rank);
        CheckGradients(backend, p,
            (tape, v) => tape.CrossEntropy(tape.Silu(tape.LoraLinear(v["x"], v["weight"], v["bias"], v["lora_A"], v["lora_B"], scale)), t),
            d =>
            {
                var low = Float64Net.Linear(Float64Net.Linear(d["x"], d["lora_A"], null, inF, rank), d["lora_B"], null, rank, outF);
                var y = Float64Net.Add(Float64Net.Linear(d["x"], d["weight"], d["bias"], inF, outF), low.Select(l => l * scale).ToArray());
                return Float64Net.CrossEntropyMean(Float64Net.Map(y, ElementwiseReference.Silu), outF, targets);
            },
            frozen: ["weight", "bias"]);
    }

    /// <summary>
    /// QLoRA's layer over every weight kind: dx, dA, dB (and dbias where the bias trains) against finite differences of
    /// the float64 layer whose base is the quantised weight dequantised. Four rows take ILGPU's decode path, six its
    /// prefill; x is [2, rows/2, in], so leading dimensions go through the backward too.
    /// </summary>
    [Theory, MemberData(nameof(Backends))]
    public void Quantized_lora_gradients_reach_A_B_the_input_and_a_training_bias(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        const int inF = 32, outF = 5, rank = 3;
        const float scale = 1.5f;
        int seed = 60;
        foreach (var kind in Enum.GetValues<QuantizationTests.WeightKind>())
            foreach (int rows in new[] { 4, 6 })
            {
                bool biasTrains = (rows + (int)kind) % 4 != 0;
                long[] targets = [.. Enumerable.Range(0, rows).Select(i => (long)((i * 3 + (int)kind) % outF))];
                using var t = Tensor.From(backend, targets, rows);
                var (weight, dequantised) = QLoraTests.Quantized(backend, kind, TestData.Uniform(seed, outF * inF, 0.5f), outF, inF);
                try
                {
                    var p = new Parameters(seed++);
                    p.Add("x", 1, 2, rows / 2, inF);
                    p.Add("bias", 0.5f, outF);
                    p.Add("lora_A", 0.5f, rank, inF);
                    p.Add("lora_B", 0.5f, outF, rank);
                    CheckGradients(backend, p,
                        (tape, v) => tape.CrossEntropy(tape.Silu(tape.Reshape(
                            tape.QuantizedLoraLinear(v["x"], weight, v["bias"], v["lora_A"], v["lora_B"], scale), rows, outF)), t),
                        d =>
                        {
                            var low = Float64Net.Linear(Float64Net.Linear(d["x"], d["lora_A"], null, inF, rank), d["lora_B"], null, rank, outF);
                            var y = Float64Net.Add(Float64Net.Linear(d["x"], dequantised, d["bias"], inF, outF), low.Select(l => l * scale).ToArray());
                            return Float64Net.CrossEntropyMean(Float64Net.Map(y, ElementwiseReference.Silu), outF, targets);
                        },
                        frozen: biasTrains ? [] : ["bias"]);
                }
                finally
                {
                    weight.Release();
                }
            }
    }

    /// <summary>A frozen quantised layer without an adapter passes dY W (W dequantised) to x and dY summed to a bias.</summary>
    [Theory, MemberData(nameof(Backends))]
    public void Quantized_linear_passes_gradients_to_the_input_and_bias(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        const int inF = 64, outF = 4;
        int seed = 80;
        foreach (var kind in Enum.GetValues<QuantizationTests.WeightKind>())
            foreach (int rows in new[] { 2, 6 })
            {
                long[] targets = [.. Enumerable.Range(0, rows).Select(i => (long)((i + (int)kind) % outF))];
                using var t = Tensor.From(backend, targets, rows);
                var (weight, dequantised) = QLoraTests.Quantized(backend, kind, TestData.Uniform(seed, outF * inF, 0.3f), outF, inF);
                try
                {
                    var p = new Parameters(seed++);
                    p.Add("x", 1, rows, inF);
                    p.Add("bias", 0.5f, outF);
                    CheckGradients(backend, p,
                        (tape, v) => tape.CrossEntropy(tape.Gelu(tape.QuantizedLinear(v["x"], weight, v["bias"])), t),
                        d => Float64Net.CrossEntropyMean(
                            Float64Net.Map(Float64Net.Linear(d["x"], dequantised, d["bias"], inF, outF), ElementwiseReference.Gelu), outF, targets));
                }
                finally
                {
                    weight.Release();
                }
            }
    }

    [Theory, MemberData(nameof(Backends))]
    public void Broadcast_mul_softmax_and_a_parameter_used_twice(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        const int rows = 3, width = 6;
        long[] targets = [5, 0, 2];
        using var t = Tensor.From(backend, targets, rows);
        var p = new Parameters(40);
        p.Add("x", 1, rows, width);
        p.Add("gain", 1, width);
        CheckGradients(backend, p,
            (tape, v) =>
            {
                var y = tape.Mul(tape.Relu(tape.Add(v["x"], v["gain"])), v["gain"]);      // gain used twice
                var probabilities = tape.Softmax(tape.Scale(y, 2f));
                return tape.CrossEntropy(tape.LogSoftmax(probabilities), t);
            },
            d =>
            {
                var y = Float64Net.Mul(Float64Net.Map(Float64Net.Add(d["x"], d["gain"]), ElementwiseReference.Relu), d["gain"]);
                var probabilities = RowOpsReference.Softmax(y.Select(v => v * 2).ToArray(), width);
                return Float64Net.CrossEntropyMean(RowOpsReference.LogSoftmax(probabilities, width), width, targets);
            });
    }

    [Theory, MemberData(nameof(Backends))]
    public void Batched_matmul_in_every_layout(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        const int batch = 2, m = 3, k = 4, n = 5;
        foreach (bool transposeA in new[] { false, true })
            foreach (bool transposeB in new[] { false, true })
                foreach (bool sharedB in new[] { true, false })
                {
                    long[] targets = Enumerable.Range(0, batch * m).Select(i => (long)(i % n)).ToArray();
                    using var t = Tensor.From(backend, targets, targets.Length);
                    var p = new Parameters(50);
                    p.Add("a", 1, transposeA ? [batch, k, m] : [batch, m, k]);
                    int[] bShape = transposeB ? [n, k] : [k, n];
                    p.Add("b", 1, sharedB ? bShape : [batch, .. bShape]);
                    CheckGradients(backend, p,
                        (tape, v) => tape.CrossEntropy(tape.Reshape(tape.MatMul(v["a"], v["b"], transposeA, transposeB), batch * m, n), t),
                        d =>
                        {
                            var c = new double[batch * m * n];
                            for (int bi = 0; bi < batch; bi++)
                                for (int i = 0; i < m; i++)
                                    for (int j = 0; j < n; j++)
                                        for (int kk = 0; kk < k; kk++)
                                        {
                                            double av = d["a"][bi * m * k + (transposeA ? kk * m + i : i * k + kk)];
                                            int bBase = sharedB ? 0 : bi * k * n;
                                            double bv = d["b"][bBase + (transposeB ? j * k + kk : kk * n + j)];
                                            c[(bi * m + i) * n + j] += av * bv;
                                        }
                            return Float64Net.CrossEntropyMean(c, n, targets);
                        });
                }
    }

    [Fact]
    public void Backward_needs_a_scalar_and_runs_once()
    {
        var backend = TestBackends.Get("cpu");
        using var tape = new Tape(backend);
        using var data = Tensor.From(backend, new[] { 1f, 2f }, 2);
        var x = tape.Leaf(data, "x");
        var y = tape.Scale(x, 3f);
        var e = Assert.Throws<ArgumentException>(() => tape.Backward(y));
        Assert.Contains("[2]", e.Message);
        using var target = Tensor.From(backend, new[] { 1L }, 1);
        var loss = tape.CrossEntropy(tape.Reshape(y, 1, 2), target);
        tape.Backward(loss);
        // logits 3x = [3, 6], target 1: d/dx = 3 (softmax - onehot) = 3 [s, -s] with s = 1 - sigmoid(3).
        float s = 1 - Sigmoid(3);
        Assert.Equal(new[] { 3 * s, -3 * s }, x.Grad!.ToArray<float>(), new ToleranceComparer(1e-6f));
        Assert.Throws<InvalidOperationException>(() => tape.Backward(loss));
        x.ZeroGrad();
    }

    private static float Sigmoid(float z) => 1 / (1 + MathF.Exp(-z));

    private sealed class ToleranceComparer(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= tolerance;
        public int GetHashCode(float v) => 0;
    }
}
