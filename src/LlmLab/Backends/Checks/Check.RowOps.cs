using System.Numerics;
using LlmLab.Tensors;

namespace LlmLab.Backends;

internal static partial class Check
{
    /// <summary>x f32 with at least one axis; the keep-mask i32 with x's shape or its trailing dimensions.</summary>
    public static void Softmax(Tensor x, Tensor? mask, string op)
    {
        F32(x, $"{op}'s input");
        if (x.Rank == 0)
            throw new ArgumentException($"{op} works over the last axis; the input has none (shape {x.Shape})");
        if (mask is null) return;
        if (mask.DType != DType.I32)
            throw new ArgumentException($"{op}'s mask must be i32 (non-zero keeps an entry), got {mask.DType.Name()} of shape {mask.Shape}");
        if (mask.Rank == 0 || !mask.Shape.IsSuffixOf(x.Shape))
            throw new ArgumentException(
                $"{op}'s mask must have the input's shape or its trailing dimensions: input {x.Shape}, mask {mask.Shape}");
    }

    /// <summary>LayerNorm and RmsNorm: weight (and bias) [dim] for x [..., dim], epsilon finite and not negative.</summary>
    public static void Norm(Tensor x, Tensor weight, Tensor? bias, float epsilon, string op)
    {
        F32(x, $"{op}'s input");
        F32(weight, $"{op}'s weight");
        if (bias is not null) F32(bias, $"{op}'s bias");
        if (x.Rank == 0)
            throw new ArgumentException($"{op} works over the last axis; the input has none (shape {x.Shape})");
        int dim = x.Shape.Last;
        if (weight.Rank != 1 || weight.Shape[0] != dim)
            throw new ArgumentException($"{op}'s weight must be [{dim}] for input {x.Shape}, got {weight.Shape}");
        if (bias is not null && (bias.Rank != 1 || bias.Shape[0] != dim))
            throw new ArgumentException($"{op}'s bias must be [{dim}] for input {x.Shape}, got {bias.Shape}");
        if (!(epsilon >= 0) || float.IsInfinity(epsilon))
            throw new ArgumentException($"{op}'s epsilon must be finite and not negative, got {epsilon}");
    }

    public static void Embedding(Tensor table, Tensor ids)
    {
        F32(table, "embedding's table");
        Rank(table, 2, "embedding's table", "[vocab, dim]");
        Index(ids, "embedding's ids");
    }

    /// <summary>Every id in [0, vocab); otherwise names the first bad id, its position in ids and the vocabulary size.</summary>
    public static void IdsInRange<T>(ReadOnlySpan<T> ids, Shape idsShape, Shape tableShape) where T : unmanaged, IBinaryInteger<T>
    {
        long vocab = tableShape[0];
        for (int i = 0; i < ids.Length; i++)
        {
            long id = long.CreateTruncating(ids[i]);
            if ((ulong)id >= (ulong)vocab)
                throw new ArgumentException(
                    $"embedding: id {id} at position {Position(i, idsShape)} of ids {idsShape} is outside the vocabulary of {vocab} rows (table {tableShape})");
        }
    }

    /// <summary>x [batch, heads, time, dim] with dim even; positions i32 [time] or [batch, time]; theta finite and positive.</summary>
    public static void Rope(Tensor x, Tensor positions, float theta)
    {
        F32(x, "rope's input");
        Rank(x, 4, "rope's input", "[batch, heads, time, dim]");
        int batch = x.Shape[0], time = x.Shape[2], dim = x.Shape[3];
        if (dim % 2 != 0)
            throw new ArgumentException($"rope pairs dimension i with i + dim/2, so dim must be even; input {x.Shape} has dim {dim}");
        if (positions.DType != DType.I32)
            throw new ArgumentException($"rope's positions must be i32, got {positions.DType.Name()} of shape {positions.Shape}");
        bool perTime = positions.Rank == 1 && positions.Shape[0] == time;
        bool perBatch = positions.Rank == 2 && positions.Shape[0] == batch && positions.Shape[1] == time;
        if (!perTime && !perBatch)
            throw new ArgumentException(
                $"rope's positions must be [time] = [{time}] or [batch, time] = [{batch}, {time}] for input {x.Shape}, got {positions.Shape}");
        if (!(theta > 0) || float.IsInfinity(theta))
            throw new ArgumentException($"rope's theta must be finite and positive, got {theta}");
    }

    public static void CrossEntropy(Tensor logits, Tensor targets)
    {
        F32(logits, "cross-entropy's logits");
        Rank(logits, 2, "cross-entropy's logits", "[N, V]");
        Index(targets, "cross-entropy's targets");
        if (targets.Rank != 1 || targets.Shape[0] != logits.Shape[0])
            throw new ArgumentException(
                $"cross-entropy needs targets [N] = [{logits.Shape[0]}] for logits {logits.Shape}, got {targets.Shape}");
    }

    /// <summary>Every target in [0, V) or equal to the ignore index; otherwise names the first bad one and its row.</summary>
    public static void TargetsInRange<T>(ReadOnlySpan<T> targets, int ignoreIndex, Shape logitsShape) where T : unmanaged, IBinaryInteger<T>
    {
        long classes = logitsShape[1];
        for (int i = 0; i < targets.Length; i++)
        {
            long target = long.CreateTruncating(targets[i]);
            if (target != ignoreIndex && (ulong)target >= (ulong)classes)
                throw new ArgumentException(
                    $"cross-entropy: target {target} at row {i} is outside [0, {classes}) for logits {logitsShape} and is not the ignore index {ignoreIndex}");
        }
    }

    /// <summary>A flat index as a multi-index of <paramref name="shape"/>, e.g. [1, 3].</summary>
    private static string Position(long flat, Shape shape)
    {
        var index = new long[shape.Rank];
        for (int axis = shape.Rank - 1; axis >= 0; axis--)
        {
            index[axis] = flat % shape[axis];
            flat /= shape[axis];
        }
        return "[" + string.Join(", ", index) + "]";
    }
}
