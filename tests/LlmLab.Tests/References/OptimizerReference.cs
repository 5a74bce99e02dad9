namespace LlmLab.Tests.References;

/// <summary>Float64 definitions of the optimizer ops, straight from the formulas (torch.optim.AdamW's docs).</summary>
public static class OptimizerReference
{
    /// <summary>AdamW state in double, advanced one step at a time.</summary>
    public sealed class AdamW(double[] parameter)
    {
        public double[] P { get; } = (double[])parameter.Clone();
        public double[] M { get; } = new double[parameter.Length];
        public double[] V { get; } = new double[parameter.Length];

        /// <summary>
        /// g = grad * scale; p -= lr wd p; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
        /// p -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
        /// </summary>
        public void Step(double[] gradient, int t, double lr, double beta1, double beta2, double eps, double weightDecay, double gradientScale)
        {
            for (int i = 0; i < P.Length; i++)
            {
                double g = gradient[i] * gradientScale;
                P[i] -= lr * weightDecay * P[i];
                M[i] = beta1 * M[i] + (1 - beta1) * g;
                V[i] = beta2 * V[i] + (1 - beta2) * g * g;
                double mHat = M[i] / (1 - Math.Pow(beta1, t));
                double vHat = V[i] / (1 - Math.Pow(beta2, t));
                P[i] -= lr * mHat / (Math.Sqrt(vHat) + eps);
            }
        }
    }

    public static double SumOfSquares(double[] x) => x.Sum(v => v * v);
}
