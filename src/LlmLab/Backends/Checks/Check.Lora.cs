using LlmLab.Tensors;

namespace LlmLab.Backends;

/// <summary>Sizes of a LoRA-adapted linear layer: rows of x, in, out features and the rank r.</summary>
internal readonly record struct LoraDims(int Rows, int In, int Out, int Rank);

internal static partial class Check
{
    /// <summary>x [..., in], W [out, in], bias [out]?, A [r, in], B [out, r] (PEFT's layouts).</summary>
    public static LoraDims LoraLinear(Tensor x, Tensor weight, Tensor? bias, Tensor loraA, Tensor loraB)
    {
        F32(x, "lora's input x");
        if (x.Rank < 1)
            throw new ArgumentException($"lora: x must be [..., in], got shape {x.Shape}");
        var dims = LoraAdapter(weight, loraA, loraB, "lora");
        if (x.Shape.Last != dims.In)
            throw new ArgumentException($"lora: x {x.Shape} has {x.Shape.Last} features but the weight {weight.Shape} takes {dims.In}");
        if (bias is not null)
        {
            F32(bias, "lora's bias");
            if (bias.Rank != 1 || bias.Shape[0] != dims.Out)
                throw new ArgumentException($"lora: bias must be [{dims.Out}] for weight {weight.Shape}, got {bias.Shape}");
        }
        return dims with { Rows = (int)x.Shape.Rows };
    }

    /// <summary>x [..., in], a quantised W [out, in], bias [out]?, A [r, in], B [out, r]: QLoRA's layer.</summary>
    public static LoraDims LoraLinearQuantized(Tensor x, QuantizedWeight weight, Tensor? bias, Tensor loraA, Tensor loraB)
    {
        var (rows, outFeatures, inFeatures) = MatMulQuantized(x, weight, bias);
        F32(loraA, "qlora's lora_A");
        F32(loraB, "qlora's lora_B");
        int rank = loraA.Rank == 2 ? loraA.Shape[0] : 0;
        if (loraA.Rank != 2 || loraB.Rank != 2 || rank < 1 || loraA.Shape[1] != inFeatures || loraB.Shape[0] != outFeatures || loraB.Shape[1] != rank)
            throw new ArgumentException(
                $"qlora: lora_A must be [r, {inFeatures}] and lora_B [{outFeatures}, r] with r >= 1 for weight {weight.Shape}; got lora_A {loraA.Shape} and lora_B {loraB.Shape}");
        return new LoraDims(rows, inFeatures, outFeatures, rank);
    }

    /// <summary>W [out, in], A [r, in], B [out, r]: the shapes <see cref="IBackend.LoraMerge"/> takes.</summary>
    public static LoraDims LoraMerge(Tensor weight, Tensor loraA, Tensor loraB) => LoraAdapter(weight, loraA, loraB, "lora merge");

    private static LoraDims LoraAdapter(Tensor weight, Tensor loraA, Tensor loraB, string op)
    {
        F32(weight, $"{op}'s weight");
        F32(loraA, $"{op}'s lora_A");
        F32(loraB, $"{op}'s lora_B");
        if (weight.Rank != 2 || loraA.Rank != 2 || loraB.Rank != 2)
            throw new ArgumentException(
                $"{op}: weight [out, in], lora_A [r, in] and lora_B [out, r] must be matrices, got {weight.Shape}, {loraA.Shape} and {loraB.Shape}");
        int outFeatures = weight.Shape[0], inFeatures = weight.Shape[1], rank = loraA.Shape[0];
        if (loraA.Shape[1] != inFeatures || loraB.Shape[0] != outFeatures || loraB.Shape[1] != rank || rank < 1)
            throw new ArgumentException(
                $"{op}: lora_A must be [r, {inFeatures}] and lora_B [{outFeatures}, r] with r >= 1 for weight {weight.Shape}; got lora_A {loraA.Shape} and lora_B {loraB.Shape}");
        return new LoraDims(0, inFeatures, outFeatures, rank);
    }
}
