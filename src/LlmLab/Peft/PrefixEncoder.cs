using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Nn;
using LlmLab.Random;
using LlmLab.Tensors;

namespace LlmLab.Peft;

/// <summary>
/// peft's PrefixEncoder: the past keys and values [n, num_layers × 2 × token_dim] of prefix tuning. Without a
/// projection they are the table "embedding.weight" itself; with one (<see cref="Projected"/>) they are
/// transform(embedding) where "embedding" is [n, token_dim] and "transform" is peft's Linear(token_dim, hidden)
/// ("transform.0"), Tanh, Linear(hidden, num_layers × 2 × token_dim) ("transform.2"). Inits as torch: the table
/// N(0, 1), each linear's weight and bias U(±1/sqrt(in)); zero init empties the table or the last linear.
/// </summary>
public sealed class PrefixEncoder : Module
{
    public PrefixEncoder(IBackend backend, int virtualTokens, int outputDim, int tokenDim, int? hiddenSize, bool zeroInit, RandomStream init)
    {
        VirtualTokens = virtualTokens;
        OutputDim = outputDim;
        Projected = hiddenSize is not null;
        Embedding = Child("embedding", new Embedding(backend, virtualTokens, Projected ? tokenDim : outputDim, init, std: 1f));
        if (hiddenSize is int hidden)
        {
            Down = Child("transform.0", TorchLinear(backend, tokenDim, hidden, init, zero: false));
            Up = Child("transform.2", TorchLinear(backend, hidden, outputDim, init, zeroInit));
        }
        else if (zeroInit)
        {
            AdapterFolder.Assign(Embedding.Weight, new float[Embedding.Weight.Shape.ElementCount]);
        }
    }

    public int VirtualTokens { get; }
    /// <summary>num_layers × 2 × token_dim: one virtual token's keys and values for every layer.</summary>
    public int OutputDim { get; }
    public bool Projected { get; }
    public Embedding Embedding { get; }
    public Linear? Down { get; }
    public Linear? Up { get; }

    /// <summary>The past keys and values [n, num_layers × 2 × token_dim] (peft's prompt_encoder(prompt_tokens) for one row).</summary>
    public Variable Forward(Tape tape)
    {
        if (!Projected) return Embedding.Weight;
        var hidden = Tanh(tape, Down!.Forward(tape, Embedding.Weight));
        return Up!.Forward(tape, hidden);
    }

    // tanh(x) = 2 sigmoid(2x) - 1 = s0 - s1 for [s0, s1] = softmax([2x, 0]): the tape's softmax and matmul carry the
    // gradient, so no kernel of its own is needed for this small [n, hidden] activation.
    private static Variable Tanh(Tape tape, Variable x)
    {
        int rows = x.Shape[0], cols = x.Shape[1], count = rows * cols;
        var backend = x.Data.Backend;
        var doubled = tape.Reshape(tape.Scale(x, 2f), count, 1);
        var zeros = tape.Constant(tape.Keep(Tensor.Zeros(backend, new Shape(count, 1))));
        var pair = tape.Softmax(tape.Concat(doubled, zeros, axis: 1));
        var difference = tape.Constant(tape.Keep(Tensor.From(backend, new[] { 1f, -1f }, 2, 1)));
        return tape.Reshape(tape.MatMul(pair, difference), rows, cols);
    }

    private static Linear TorchLinear(IBackend backend, int inFeatures, int outFeatures, RandomStream init, bool zero)
    {
        var linear = new Linear(backend, inFeatures, outFeatures, bias: true, init);
        float bound = 1 / MathF.Sqrt(inFeatures);
        float[] Uniform(long count) => zero ? new float[count] : [.. Enumerable.Range(0, (int)count).Select(_ => (2 * init.NextUniform() - 1) * bound)];
        AdapterFolder.Assign(linear.Weight, Uniform(linear.Weight.Shape.ElementCount));
        AdapterFolder.Assign(linear.Bias!, Uniform(outFeatures));
        return linear;
    }
}
