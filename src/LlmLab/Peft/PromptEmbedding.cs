using LlmLab.Backends;
using LlmLab.Nn;
using LlmLab.Random;

namespace LlmLab.Peft;

/// <summary>
/// peft's PromptEmbedding: the table "embedding.weight" [virtual tokens × transformer submodules, token dim] of
/// learned input embeddings. An encoder-decoder model keeps twice the rows (two submodules); prompt tuning feeds
/// only the first <see cref="VirtualTokens"/> to the encoder, as peft does.
/// </summary>
public sealed class PromptEmbedding : Module
{
    public PromptEmbedding(IBackend backend, int virtualTokens, int submodules, int tokenDim, RandomStream init)
    {
        VirtualTokens = virtualTokens;
        Submodules = submodules;
        Embedding = Child("embedding", new Embedding(backend, virtualTokens * submodules, tokenDim, init, std: 1f));
    }

    public int VirtualTokens { get; }
    public int Submodules { get; }
    public Embedding Embedding { get; }
    public int Rows => VirtualTokens * Submodules;
}
