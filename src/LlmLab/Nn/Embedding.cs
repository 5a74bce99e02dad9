using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Random;
using LlmLab.Tensors;

namespace LlmLab.Nn;

/// <summary>A [count, dim] table of learned vectors, N(0, std) at initialisation; rows picked by id.</summary>
public sealed class Embedding : Module
{
    public Embedding(IBackend backend, int count, int dim, RandomStream init, float std = 0.02f) =>
        Weight = Parameter("weight", Tensor.From(backend, init.Normal((long)count * dim, std), count, dim));

    public Variable Weight { get; }

    public Variable Forward(Tape tape, Tensor ids) => tape.Embedding(Weight, ids);
}
