using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Random;
using LlmLab.Tensors;

namespace LlmLab.Nn;

/// <summary>
/// y = x Wᵀ + b with W stored [out, in] (PyTorch's nn.Linear), initialised N(0, std) and b = 0 (GPT-2).
/// With a LoRA adapter attached (<see cref="AttachLora(int, float, RandomStream)"/>) it is PEFT's lora.Linear: y = x Wᵀ + b + (α/r) (x Aᵀ) Bᵀ,
/// A and B held by the child layers lora_A [r, in] and lora_B [out, r], so their names are PEFT's
/// ("h.0.attn.q_proj.lora_A.weight"). The weight can be stored quantised (<see cref="Quantize"/>) for inference or
/// as QLoRA's frozen base under an adapter; the bias stays f32.
/// </summary>
public sealed partial class Linear : Module
{
    public Linear(IBackend backend, int inFeatures, int outFeatures, bool bias, RandomStream init, float std = 0.02f)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = Parameter("weight", backend, new Shape(outFeatures, inFeatures), () => init.Normal((long)outFeatures * inFeatures, std));
        Bias = bias ? Parameter("bias", Tensor.Zeros(backend, new Shape(outFeatures))) : null;
    }

    // A bias-free layer over a weight [out, in] made elsewhere (LoRA's A and B).
    private Linear(Tensor weight)
    {
        OutFeatures = weight.Shape[0];
        InFeatures = weight.Shape[1];
        Weight = Parameter("weight", weight);
    }

    public int InFeatures { get; }
    public int OutFeatures { get; }
    public Variable Weight { get; }
    public Variable? Bias { get; }

    /// <summary>How <see cref="Forward"/> stores the weight: f32 (<see cref="Weight"/> itself) or a quantised copy of it.</summary>
    public WeightFormat Format { get; private set; }

    /// <summary>The quantised weight Forward multiplies by (dequantising on the fly); null in f32.</summary>
    public QuantizedWeight? QuantizedWeight { get; private set; }

    /// <summary>Bytes of the weight as Forward reads it (f32, or the quantised values with their scales).</summary>
    public long WeightByteLength => QuantizedWeight?.ByteLength() ?? Weight.Shape.ElementCount * sizeof(float);

    /// <summary>
    /// Stores the weight in <paramref name="format"/>, quantised from the f32 <see cref="Weight"/>, which is kept:
    /// quantising again starts from it, and <see cref="WeightFormat.F32"/> goes back to it exactly (a weight installed
    /// quantised gets its dequantised values as f32 here). A quantised weight is frozen (it gets no gradient) but
    /// gradients flow through it, so a LoRA adapter on it trains (QLoRA).
    /// </summary>
    public void Quantize(WeightFormat format)
    {
        var f32 = Weight.Data;
        Interleaved.Drop();
        var next = format == WeightFormat.F32 ? null : WeightFormats.Quantize(f32, format);
        QuantizedWeight?.Release();
        QuantizedWeight = next;
        Format = format;
    }

    /// <summary>
    /// Installs a weight quantised elsewhere (read from a quantised checkpoint) as it is, without quantising again;
    /// the layer owns it from now on. <see cref="Weight"/> lets its f32 tensor go: the layer holds only the quantised
    /// weight, and the f32 view (export, <see cref="WeightFormat.F32"/>, merging an adapter) is its dequantised
    /// values, made when asked for (<see cref="Variable.ToArray{T}"/> reads them without keeping them).
    /// </summary>
    public void InstallQuantized(QuantizedWeight weight)
    {
        QuantizedParameter.CheckFits(weight, Weight, "a linear layer");
        Interleaved.Drop();
        QuantizedWeight?.Release();
        QuantizedWeight = weight;
        Format = QuantizedParameter.FormatOf(weight);
        Weight.Defer(() => QuantizedWeight!.Dequantize());
    }

    /// <summary>
    /// Stores the f32 weight in the backend's inference layout (<see cref="IBackend.Interleave"/>: on the cpu
    /// backend, panels a decode step streams without transposes) in place of [out, in]: forward passes on inference
    /// tapes read it, with the same bits. <see cref="Weight"/>'s tensor is freed and remade from it when read; a
    /// weight read that way (to train, merge or quantise it) is the layer's weight again and the interleaved copy is
    /// dropped. A quantised layer, or one under an unmerged adapter, stays as it is (returns false).
    /// </summary>
    public bool Interleave()
    {
        if (QuantizedWeight is not null || (LoraA is not null && !LoraMerged)) return false;
        Interleaved.Interleave();
        return true;
    }

    private InterleavedParameter? _interleaved;
    private InterleavedParameter Interleaved => _interleaved ??= new(Weight);

    /// <summary>LoRA's down-projection A [r, in] ("lora_A"), or null without an adapter.</summary>
    public Linear? LoraA { get; private set; }
    /// <summary>LoRA's up-projection B [out, r] ("lora_B"), or null without an adapter.</summary>
    public Linear? LoraB { get; private set; }
    public int LoraRank => LoraA?.OutFeatures ?? 0;
    /// <summary>α / r: how much of B A is added to W.</summary>
    public float LoraScale { get; private set; }
    /// <summary>Whether W holds W + scale B A now (forward then uses W alone, and A and B get no gradients).</summary>
    public bool LoraMerged { get; private set; }
    /// <summary>Whether the adapter is switched off for now (peft's disable_adapter): forward is the base layer's.</summary>
    public bool LoraDisabled { get; set; }

    /// <summary>y = x Wᵀ + b, plus the LoRA update when an adapter is attached and IA3's scaling when one is.</summary>
    public Variable Forward(Tape tape, Variable x) => Ia3Output(tape, Project(tape, Ia3Input(tape, x)));

    private Variable Project(Tape tape, Variable x)
    {
        if (QuantizedWeight is { } quantized)
        {
            // QLoRA: the frozen base stays quantised; only the adapter is f32.
            if (LoraA is not null && LoraB is not null && !LoraMerged && !LoraDisabled)
                return tape.QuantizedLoraLinear(x, quantized, Bias, LoraA.Weight, LoraB.Weight, LoraScale);
            return tape.QuantizedLinear(x, quantized, Bias);
        }
        if (LoraA is null || LoraB is null || LoraMerged || LoraDisabled)
            return !tape.RecordsGradients && Interleaved.Current is { } interleaved
                ? tape.InterleavedLinear(x, interleaved, Bias)
                : tape.MatMul(x, Weight, transposeB: true, bias: Bias);
        if (!Weight.RequiresGrad && Bias is not { RequiresGrad: true })
            return tape.LoraLinear(x, Weight, Bias, LoraA.Weight, LoraB.Weight, LoraScale);
        // The base layer trains too: the same sum from plain ops, so that W and b get their gradients as well.
        var low = tape.MatMul(tape.MatMul(x, LoraA.Weight, transposeB: true), LoraB.Weight, transposeB: true);
        return tape.Add(tape.MatMul(x, Weight, transposeB: true, bias: Bias), tape.Scale(low, LoraScale));
    }

    /// <summary>
    /// Adds a LoRA adapter of rank <paramref name="rank"/> initialised as PEFT does: A kaiming-uniform with a = √5,
    /// i.e. U(-1/√in, 1/√in) drawn from <paramref name="init"/>, and B = 0, so the layer's output is unchanged until
    /// B learns. A and B are trainable; freezing W is the caller's business (<see cref="Peft.Lora.Apply"/> does it).
    /// </summary>
    public void AttachLora(int rank, float alpha, RandomStream init) => AttachLora(rank, alpha, alpha / rank, init);

    /// <summary>As <see cref="AttachLora(int, float, RandomStream)"/> with the update's scale given (α/√r for rsLoRA).</summary>
    public void AttachLora(int rank, float alpha, float scale, RandomStream init)
    {
        if (LoraA is not null) throw new InvalidOperationException("this layer already has a LoRA adapter; detach it first");
        if (rank < 1) throw new ArgumentOutOfRangeException(nameof(rank), $"LoRA rank must be at least 1, got {rank}");
        if (!(alpha > 0) || !float.IsFinite(alpha)) throw new ArgumentOutOfRangeException(nameof(alpha), $"LoRA alpha must be a positive number, got {alpha}");
        float bound = 1f / MathF.Sqrt(InFeatures);
        var a = new float[(long)rank * InFeatures];
        for (long i = 0; i < a.Length; i++) a[i] = (2 * init.NextUniform() - 1) * bound;
        AttachLora(a, new float[(long)OutFeatures * rank], rank, scale);
    }

    /// <summary>
    /// Adds a LoRA adapter with given values - A [r, in] and B [out, r], row-major - and scale (α/r, or α/√r for
    /// rsLoRA): an adapter read from a file. A and B are trainable, unmerged.
    /// </summary>
    public void AttachLora(float[] a, float[] b, int rank, float scale)
    {
        if (LoraA is not null) throw new InvalidOperationException("this layer already has a LoRA adapter; detach it first");
        if (rank < 1) throw new ArgumentOutOfRangeException(nameof(rank), $"LoRA rank must be at least 1, got {rank}");
        if (!float.IsFinite(scale)) throw new ArgumentOutOfRangeException(nameof(scale), $"LoRA scale must be finite, got {scale}");
        if (a.Length != (long)rank * InFeatures || b.Length != (long)OutFeatures * rank)
            throw new ArgumentException($"LoRA rank {rank} on a [{OutFeatures}, {InFeatures}] layer needs A of {(long)rank * InFeatures} and B of {(long)OutFeatures * rank} values, got {a.Length} and {b.Length}");
        var backend = Weight.Backend;
        LoraA = Child("lora_A", new Linear(Tensor.From(backend, a, rank, InFeatures)));
        LoraB = Child("lora_B", new Linear(Tensor.From(backend, b, OutFeatures, rank)));
        LoraScale = scale;
        LoraMerged = false;
    }

    /// <summary>
    /// W += scale B A, so forward costs a plain matmul again (PEFT's merge). Merging twice does nothing. A quantised
    /// layer (QLoRA) merges into its f32 weight and quantises that again, as PEFT does for bitsandbytes layers: the
    /// merged layer differs from the adapted one by the new rounding.
    /// </summary>
    public void MergeLora()
    {
        var (a, b) = Adapter();
        if (LoraMerged) return;
        Weight.Data.Backend.LoraMerge(Weight.Data, a.Weight.Data, b.Weight.Data, LoraScale);
        LoraMerged = true;
        if (QuantizedWeight is not null) Quantize(Format);
    }

    /// <summary>W -= scale B A: back to the base weight (within rounding) with the adapter separate again.</summary>
    public void UnmergeLora()
    {
        var (a, b) = Adapter();
        if (!LoraMerged) return;
        Weight.Data.Backend.LoraMerge(Weight.Data, a.Weight.Data, b.Weight.Data, -LoraScale);
        LoraMerged = false;
        if (QuantizedWeight is not null) Quantize(Format);
    }

    /// <summary>
    /// Removes the adapter and frees A and B. W keeps what it holds: merged first, the update stays (PEFT's
    /// merge_and_unload); not merged, it is dropped (unload).
    /// </summary>
    public void DetachLora()
    {
        var (a, b) = Adapter();
        RemoveChild("lora_A");
        RemoveChild("lora_B");
        foreach (var p in new[] { a.Weight, b.Weight })
        {
            p.ZeroGrad();
            p.Data.Dispose();
        }
        LoraA = LoraB = null;
        LoraScale = 0;
        LoraMerged = false;
    }

    private (Linear A, Linear B) Adapter() =>
        LoraA is not null && LoraB is not null ? (LoraA, LoraB) : throw new InvalidOperationException("this layer has no LoRA adapter");
}
