using LlmLab.Backends;
using LlmLab.Tensors;

namespace LlmLab.Training;

/// <summary>
/// Global-norm gradient clipping as torch.nn.utils.clip_grad_norm_ (norm_type 2): norm = sqrt of the sum of every
/// gradient's squares, scale = min(1, maxNorm / (norm + 1e-6)); the optimizer multiplies each gradient by the scale
/// (<see cref="AdamWStep.GradientScale"/>). The per-tensor sums come from <see cref="IBackend.SumOfSquares"/>; they
/// are added in list order in double (torch adds float32 per-tensor norms), so the norm is a fixed function of the
/// gradients. A non-finite norm gives a NaN or 0 scale, as torch's does without error_if_nonfinite.
/// </summary>
public static class GradientClipping
{
    /// <summary>torch's epsilon in max_norm / (total_norm + 1e-6).</summary>
    public const double Epsilon = 1e-6;

    /// <summary>sqrt of the sum of the per-tensor sums of squares, added in order in double.</summary>
    public static double GlobalNorm(ReadOnlySpan<float> sumsOfSquares)
    {
        double total = 0;
        foreach (float s in sumsOfSquares) total += s;
        return Math.Sqrt(total);
    }

    /// <summary>min(1, maxNorm / (norm + 1e-6)), rounded to float.</summary>
    public static float Scale(double norm, float maxNorm)
    {
        if (!float.IsFinite(maxNorm) || maxNorm <= 0)
            throw new ArgumentException($"gradient clipping: the maximum norm must be finite and > 0, got {maxNorm}");
        return (float)Math.Min(1.0, maxNorm / (norm + Epsilon));
    }

    /// <summary>
    /// The global norm of the gradients (one SumOfSquares each) and the scale that clips it to maxNorm. The per-tensor
    /// sums are gathered on the backend and read in one transfer: on a GPU each read waits for the queue to drain, and
    /// a model has dozens of parameters.
    /// </summary>
    public static (double Norm, float Scale) Compute(IBackend backend, IReadOnlyList<Tensor> gradients, float maxNorm)
    {
        using var gathered = Tensor.Zeros(backend, new Shape(gradients.Count));
        for (int i = 0; i < gradients.Count; i++)
        {
            using var s = backend.SumOfSquares(gradients[i]);
            backend.Copy(s.Storage, s.ByteOffset, gathered.Storage, i * sizeof(float), sizeof(float));
        }
        double norm = GlobalNorm(gathered.ToArray<float>());
        return (norm, Scale(norm, maxNorm));
    }
}
