using LlmLab.Autograd;
using LlmLab.Backends;

namespace LlmLab.Models;

/// <summary>
/// What T5's decoder keeps between generation steps: each block's self-attention keys and values so far
/// (<see cref="KvCache"/>), and its cross-attention keys and values of the encoder output, computed once. Made by
/// <see cref="T5.NewDecoderCache"/>; disposing frees both.
/// </summary>
public sealed class T5DecoderCache : IDisposable
{
    private readonly Tape _crossTape;

    internal T5DecoderCache(Tape crossTape, IReadOnlyList<KvCache> selfAttention, IReadOnlyList<(Variable Key, Variable Value)> crossAttention)
    {
        _crossTape = crossTape;
        SelfAttention = selfAttention;
        CrossAttention = crossAttention;
    }

    public IReadOnlyList<KvCache> SelfAttention { get; }
    public IReadOnlyList<(Variable Key, Variable Value)> CrossAttention { get; }
    /// <summary>Decoder positions cached so far.</summary>
    public int Length => SelfAttention[0].Length;

    public void Dispose()
    {
        foreach (var c in SelfAttention) c.Dispose();
        _crossTape.Dispose();
    }
}
