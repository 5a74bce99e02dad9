namespace LlmLab.Backends;

/// <summary>
/// The per-call scalars of one AdamW step (ILGPU passes it to a kernel by value), computed on the host in double from <see cref="AdamWStep"/>'s values and
/// rounded to float once, as PyTorch does with its Python-float hyper-parameters (bias corrections 1 - beta^t by
/// Math.Pow, step size lr / bc1, sqrt(bc2)). Every backend runs the same float32 sequence per element:
/// <code>
///   g = grad * GradientScale                      (clip_grad_norm_'s grad.mul_(clip_coef))
///   p = p * Decay                                 (param.mul_(1 - lr * wd))
///   m = fma(LerpWeight, g - m, LerpFromGradient ? g : m)   (exp_avg.lerp_(grad, 1 - beta1), torch's two-branch lerp)
///   v = v * Beta2 + (OneMinusBeta2 * g) * g      (exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2))
///   d = sqrt(v) / Bc2Sqrt + Epsilon              (denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps))
///   p = p + (NegativeStepSize * m) / d           (param.addcdiv_(exp_avg, denom, value=-step_size))
/// </code>
/// The hyper-parameters arrive as floats; lr, weight decay and the betas are widened to double through their
/// shortest round-trip decimal (0.999f becomes the double 0.999 a Python config holds, not 0.99899995...), so
/// 1 - beta2 is torch's 0.001f rather than 0.00100005f and the moments match torch's bit for bit in the common case.
/// Scalars torch casts to float itself (beta2 in mul_, eps, the clip scale) are used as given.
/// </summary>
internal struct AdamWScalars
{
    public float GradientScale;
    public float Decay;
    /// <summary>lerp's coefficient: w = 1 - beta1 when w &lt; 0.5 (start from m), else w - 1 (start from g).</summary>
    public float LerpWeight;
    public int LerpFromGradient;
    public float Beta2;
    public float OneMinusBeta2;
    public float Bc2Sqrt;
    public float Epsilon;
    public float NegativeStepSize;

    public static AdamWScalars From(AdamWStep step)
    {
        double lr = AsWritten(step.LearningRate), beta1 = AsWritten(step.Beta1), beta2 = AsWritten(step.Beta2);
        float weight = (float)(1 - beta1);
        bool small = Math.Abs(weight) < 0.5f; // torch's is_lerp_weight_small
        double bc1 = 1 - Math.Pow(beta1, step.Step);
        double bc2 = 1 - Math.Pow(beta2, step.Step);
        return new AdamWScalars
        {
            GradientScale = step.GradientScale,
            Decay = (float)(1 - lr * AsWritten(step.WeightDecay)),
            LerpWeight = small ? weight : weight - 1f,
            LerpFromGradient = small ? 0 : 1,
            Beta2 = step.Beta2,
            OneMinusBeta2 = (float)(1 - beta2),
            Bc2Sqrt = (float)Math.Sqrt(bc2),
            Epsilon = step.Epsilon,
            NegativeStepSize = (float)-(lr / bc1),
        };
    }

    /// <summary>The double whose shortest decimal equals the float's (what the user wrote: 0.9f to 0.9).</summary>
    public static double AsWritten(float x) =>
        double.Parse(x.ToString("R", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture);
}
