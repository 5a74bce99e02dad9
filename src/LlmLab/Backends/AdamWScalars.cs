namespace LlmLab.Backends;

/// <summary>
/// The per-call scalars of one AdamW step, computed on the host in double from <see cref="AdamWStep"/>'s values and
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
/// The betas arrive as floats, so 1 - beta1 is formed from the float beta (0.9f gives 0.10000002f where torch's
/// double 0.9 gives 0.1f): a 2e-7 relative difference in the moment's weight, far below any training effect.
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
        double lr = step.LearningRate, beta1 = step.Beta1, beta2 = step.Beta2;
        float weight = (float)(1 - beta1);
        bool small = Math.Abs(weight) < 0.5f; // torch's is_lerp_weight_small
        double bc1 = 1 - Math.Pow(beta1, step.Step);
        double bc2 = 1 - Math.Pow(beta2, step.Step);
        return new AdamWScalars
        {
            GradientScale = step.GradientScale,
            Decay = (float)(1 - lr * step.WeightDecay),
            LerpWeight = small ? weight : weight - 1f,
            LerpFromGradient = small ? 0 : 1,
            Beta2 = step.Beta2,
            OneMinusBeta2 = (float)(1 - beta2),
            Bc2Sqrt = (float)Math.Sqrt(bc2),
            Epsilon = step.Epsilon,
            NegativeStepSize = (float)-(lr / bc1),
        };
    }
}
