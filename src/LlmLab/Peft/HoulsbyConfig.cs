using LlmLab.Nn;

namespace LlmLab.Peft;

/// <summary>
/// Houlsby bottleneck adapters as AdapterHub's DoubleSeqBnConfig ("double_seq_bn"): one adapter after the
/// attention and one after the MLP of every block, each of C / <see cref="ReductionFactor"/> hidden units (rounded
/// down, as AdapterHub) with <see cref="Activation"/> between (AdapterHub's default "swish").
/// </summary>
public sealed record HoulsbyConfig
{
    public int ReductionFactor { get; init; } = 16;
    public BottleneckActivation Activation { get; init; } = BottleneckActivation.Swish;

    public HoulsbyConfig Validate()
    {
        if (ReductionFactor < 1) throw new ArgumentException($"bottleneck adapters: reduction_factor must be at least 1, got {ReductionFactor}");
        if (!Enum.IsDefined(Activation)) throw new ArgumentException($"bottleneck adapters: unknown activation {Activation}");
        return this;
    }

    /// <summary>The adapters' hidden units for width <paramref name="width"/>: C / r, at least 1.</summary>
    public int BottleneckSize(int width) => width / ReductionFactor is var m && m >= 1
        ? m : throw new ArgumentException($"bottleneck adapters: width {width} / reduction_factor {ReductionFactor} leaves no hidden unit");

    /// <summary>AdapterHub's spelling of an activation ("swish", "relu", "gelu").</summary>
    public static string Name(BottleneckActivation activation) => activation switch
    {
        BottleneckActivation.Relu => "relu",
        BottleneckActivation.Gelu => "gelu",
        _ => "swish",
    };

    public static BottleneckActivation Parse(string name) => name switch
    {
        "swish" or "silu" => BottleneckActivation.Swish,
        "relu" => BottleneckActivation.Relu,
        "gelu" => BottleneckActivation.Gelu,
        _ => throw new ArgumentException($"bottleneck adapters: non_linearity must be swish, relu or gelu, got \"{name}\""),
    };
}
