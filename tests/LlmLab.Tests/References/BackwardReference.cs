namespace LlmLab.Tests.References;

/// <summary>
/// Float64 gradients two ways: a central finite difference of a float64 forward (the definition; for tiny shapes),
/// and the analytic backward formulas (for larger shapes). Gradients are those of L = sum(gradOutput * forward(x)),
/// counting only finite forward outputs (a masked log-softmax entry is a constant -infinity).
/// </summary>
public static class BackwardReference
{
    /// <summary>dL/dx[i] = (L(x + h e_i) - L(x - h e_i)) / 2h, with L = sum over finite outputs of gradOutput * forward(x).</summary>
    public static double[] FiniteDifference(Func<double[], double[]> forward, double[] x, double[] gradOutput, double h = 1e-5)
    {
        double Loss(double[] at)
        {
            var y = forward(at);
            double l = 0;
            for (int i = 0; i < y.Length; i++)
                if (double.IsFinite(y[i])) l += gradOutput[i] * y[i];
            return l;
        }
        var grad = new double[x.Length];
        var probe = (double[])x.Clone();
        for (int i = 0; i < x.Length; i++)
        {
            probe[i] = x[i] + h;
            double up = Loss(probe);
            probe[i] = x[i] - h;
            double down = Loss(probe);
            probe[i] = x[i];
            grad[i] = (up - down) / (2 * h);
        }
        return grad;
    }

    public static double GeluGradient(double x)
    {
        const double c = 0.7978845608028654, a = 0.044715;
        double t = Math.Tanh(c * (x + a * x * x * x));
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * a * x * x);
    }

    /// <summary>Exact GELU': Φ(x) + x φ(x).</summary>
    public static double GeluErfGradient(double x) =>
        0.5 * ElementwiseReference.Erfc(-x / Math.Sqrt(2)) + x * Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI);

    public static double SiluGradient(double x)
    {
        double s = 1 / (1 + Math.Exp(-x));
        return s * (1 + x * (1 - s));
    }

    public static double ReluGradient(double x) => x > 0 ? 1 : 0;

    /// <summary>[rows, n] to [n].</summary>
    public static double[] SumLeading(double[] x, int n)
    {
        var y = new double[n];
        for (int i = 0; i < x.Length; i++) y[i % n] += x[i];
        return y;
    }

    /// <summary>dx = y (dy - sum(dy y)) per row.</summary>
    public static double[] SoftmaxBackward(double[] y, double[] dy, int length)
    {
        var dx = new double[y.Length];
        for (int at = 0; at < y.Length; at += length)
        {
            double s = 0;
            for (int j = 0; j < length; j++) s += dy[at + j] * y[at + j];
            for (int j = 0; j < length; j++) dx[at + j] = y[at + j] * (dy[at + j] - s);
        }
        return dx;
    }

    /// <summary>dx = dy - exp(output) sum(dy) per row, over entries with a finite output (the others get 0).</summary>
    public static double[] LogSoftmaxBackward(double[] output, double[] dy, int length)
    {
        var dx = new double[output.Length];
        for (int at = 0; at < output.Length; at += length)
        {
            double s = 0;
            for (int j = 0; j < length; j++)
                if (double.IsFinite(output[at + j])) s += dy[at + j];
            for (int j = 0; j < length; j++)
                dx[at + j] = double.IsFinite(output[at + j]) ? dy[at + j] - Math.Exp(output[at + j]) * s : 0;
        }
        return dx;
    }

    /// <summary>LayerNorm (rms: false) or RmsNorm (rms: true) gradients of input, weight and bias.</summary>
    public static (double[] Input, double[] Weight, double[] Bias) NormBackward(double[] x, double[] weight, double[] dy, double epsilon, bool rms)
    {
        int n = weight.Length;
        var dx = new double[x.Length];
        var dw = new double[n];
        var db = new double[n];
        var xhat = new double[n];
        for (int at = 0; at < x.Length; at += n)
        {
            double mean = 0, variance = 0;
            if (!rms)
            {
                for (int j = 0; j < n; j++) mean += x[at + j];
                mean /= n;
            }
            for (int j = 0; j < n; j++) variance += (x[at + j] - mean) * (x[at + j] - mean);
            variance /= n;
            double inverseStd = 1 / Math.Sqrt(variance + epsilon);
            double meanG = 0, meanGX = 0;
            for (int j = 0; j < n; j++)
            {
                xhat[j] = (x[at + j] - mean) * inverseStd;
                double g = dy[at + j] * weight[j];
                meanG += g;
                meanGX += g * xhat[j];
                dw[j] += dy[at + j] * xhat[j];
                db[j] += dy[at + j];
            }
            meanG = rms ? 0 : meanG / n;
            meanGX /= n;
            for (int j = 0; j < n; j++)
                dx[at + j] = (dy[at + j] * weight[j] - meanG - xhat[j] * meanGX) * inverseStd;
        }
        return (dx, dw, db);
    }

    /// <summary>Row v of [vocab, dim] = the sum of gradOutput rows k with ids[k] = v.</summary>
    public static double[] EmbeddingBackward(long[] ids, double[] gradOutput, int vocabularySize, int dim)
    {
        var grad = new double[(long)vocabularySize * dim];
        for (int k = 0; k < ids.Length; k++)
            for (int j = 0; j < dim; j++) grad[ids[k] * dim + j] += gradOutput[(long)k * dim + j];
        return grad;
    }

    /// <summary>(softmax(row) - onehot(target)) gradLoss; 0 on ignored rows.</summary>
    public static double[] CrossEntropyBackward(double[] logits, int classes, long[] targets, double[] gradLoss, long ignoreIndex)
    {
        var dx = new double[logits.Length];
        for (int r = 0; r < targets.Length; r++)
        {
            if (targets[r] == ignoreIndex) continue;
            int at = r * classes;
            double max = double.NegativeInfinity, sum = 0;
            for (int j = 0; j < classes; j++) max = Math.Max(max, logits[at + j]);
            for (int j = 0; j < classes; j++) sum += Math.Exp(logits[at + j] - max);
            for (int j = 0; j < classes; j++)
                dx[at + j] = (Math.Exp(logits[at + j] - max) / sum - (j == targets[r] ? 1 : 0)) * gradLoss[r];
        }
        return dx;
    }
}
