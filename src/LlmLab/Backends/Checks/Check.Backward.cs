using LlmLab.Tensors;

namespace LlmLab.Backends;

/// <summary>Backward passes: the upstream gradient has the shape of what the forward produced.</summary>
internal static partial class Check
{
    /// <summary>An f32 gradient with exactly the shape of <paramref name="like"/> (named <paramref name="likeName"/>).</summary>
    public static void GradientLike(Tensor like, string likeName, Tensor gradOutput, string op)
    {
        F32(gradOutput, $"{op}'s gradOutput");
        if (gradOutput.Shape != like.Shape)
            throw new ArgumentException($"{op}: gradOutput must have the {likeName}'s shape: {likeName} {like.Shape}, gradOutput {gradOutput.Shape}");
    }

    /// <summary>GELU/SiLU/ReLU backward: x and gradOutput f32 of one shape.</summary>
    public static void ActivationBackward(Tensor x, Tensor gradOutput, string op)
    {
        F32(x, $"{op}'s input");
        GradientLike(x, "input", gradOutput, op);
    }

    public static void SumLeading(Tensor x)
    {
        F32(x, "sum-leading's input");
        if (x.Rank == 0)
            throw new ArgumentException($"sum-leading keeps the last axis; the input has none (shape {x.Shape})");
    }

    /// <summary>Softmax/log-softmax backward: the forward output (at least one axis) and a gradient of its shape.</summary>
    public static void SoftmaxBackward(Tensor output, Tensor gradOutput, string op)
    {
        F32(output, $"{op}'s output");
        if (output.Rank == 0)
            throw new ArgumentException($"{op} works over the last axis; the output has none (shape {output.Shape})");
        GradientLike(output, "output", gradOutput, op);
    }

    public static void NormBackward(Tensor x, Tensor weight, Tensor gradOutput, float epsilon, string op)
    {
        Norm(x, weight, null, epsilon, op);
        GradientLike(x, "input", gradOutput, op);
    }

    /// <summary>ids i32/i64 of any shape, gradOutput f32 [..ids, dim], vocabularySize positive.</summary>
    public static void EmbeddingBackward(Tensor ids, Tensor gradOutput, int vocabularySize)
    {
        Index(ids, "embedding-backward's ids");
        F32(gradOutput, "embedding-backward's gradOutput");
        bool prefix = gradOutput.Rank == ids.Rank + 1;
        for (int axis = 0; prefix && axis < ids.Rank; axis++) prefix = gradOutput.Shape[axis] == ids.Shape[axis];
        if (!prefix)
            throw new ArgumentException(
                $"embedding-backward: gradOutput must be [..ids, dim] for ids {ids.Shape}, got {gradOutput.Shape}");
        if (vocabularySize <= 0)
            throw new ArgumentException($"embedding-backward: vocabularySize must be positive, got {vocabularySize}");
    }

    /// <summary>logits [N, V], targets [N], gradLoss f32 [N].</summary>
    public static void CrossEntropyBackward(Tensor logits, Tensor targets, Tensor gradLoss)
    {
        CrossEntropy(logits, targets);
        F32(gradLoss, "cross-entropy-backward's gradLoss");
        if (gradLoss.Rank != 1 || gradLoss.Shape[0] != logits.Shape[0])
            throw new ArgumentException(
                $"cross-entropy-backward needs gradLoss [N] = [{logits.Shape[0]}] for logits {logits.Shape}, got {gradLoss.Shape}");
    }
}
