using LlmLab.Random;

namespace LlmLab.Nn;

/// <summary>A transformer block that takes Houlsby's two bottleneck adapters (after attention and after the MLP).</summary>
public interface IAdapterBlock
{
    /// <summary>The adapter on the attention's output; null without adapters.</summary>
    Bottleneck? AttentionAdapter { get; }
    /// <summary>The adapter on the MLP's output; null without adapters.</summary>
    Bottleneck? MlpAdapter { get; }
    /// <summary>Adds both adapters ("attn_adapter", "mlp_adapter"), each of <paramref name="bottleneck"/> hidden units.</summary>
    void AttachAdapters(int bottleneck, BottleneckActivation activation, RandomStream init);
}
