using LlmLab.Tensors;

namespace LlmLab.Backends;

internal static partial class Check
{
    /// <summary>AddInPlace: f32 destination and source of one shape, a finite scale.</summary>
    public static void AddInPlace(Tensor destination, Tensor source, float scale)
    {
        F32(destination, "add-in-place's destination");
        F32(source, "add-in-place's source");
        if (destination.Shape != source.Shape)
            throw new ArgumentException(
                $"add-in-place needs one shape: destination {destination.Shape} and source {source.Shape} differ");
        if (!float.IsFinite(scale))
            throw new ArgumentException($"add-in-place's scale must be finite, got {scale}");
    }

    /// <summary>AdamW: four f32 tensors of one shape and hyper-parameters torch.optim.AdamW would accept.</summary>
    public static void AdamW(Tensor parameter, Tensor gradient, Tensor firstMoment, Tensor secondMoment, AdamWStep step)
    {
        F32(parameter, "adamw's parameter");
        F32(gradient, "adamw's gradient");
        F32(firstMoment, "adamw's first moment");
        F32(secondMoment, "adamw's second moment");
        if (gradient.Shape != parameter.Shape || firstMoment.Shape != parameter.Shape || secondMoment.Shape != parameter.Shape)
            throw new ArgumentException(
                $"adamw needs one shape: parameter {parameter.Shape}, gradient {gradient.Shape}, " +
                $"first moment {firstMoment.Shape} and second moment {secondMoment.Shape}");
        ArgumentNullException.ThrowIfNull(step);
        if (step.Step < 1)
            throw new ArgumentException($"adamw's step counts from 1, got {step.Step}");
        if (!(step.LearningRate >= 0) || !float.IsFinite(step.LearningRate))
            throw new ArgumentException($"adamw's learning rate must be finite and >= 0, got {step.LearningRate}");
        if (!(step.Beta1 >= 0 && step.Beta1 < 1) || !(step.Beta2 >= 0 && step.Beta2 < 1))
            throw new ArgumentException($"adamw's betas must lie in [0, 1), got ({step.Beta1}, {step.Beta2})");
        if (!(step.Epsilon >= 0) || !float.IsFinite(step.Epsilon))
            throw new ArgumentException($"adamw's epsilon must be finite and >= 0, got {step.Epsilon}");
        if (!(step.WeightDecay >= 0) || !float.IsFinite(step.WeightDecay))
            throw new ArgumentException($"adamw's weight decay must be finite and >= 0, got {step.WeightDecay}");
        if (!float.IsFinite(step.GradientScale))
            throw new ArgumentException($"adamw's gradient scale must be finite, got {step.GradientScale}");
    }
}
