namespace LlmLab.Tests.References;

/// <summary>
/// The ops a test network needs, in float64 on plain arrays, for finite-difference gradient checks of the tape:
/// the loss of a whole network recomputed in double precision, one parameter element nudged at a time.
/// </summary>
public static class Float64Net
{
    /// <summary>y [rows, out] = x [rows, in] wᵀ (w [out, in]) + b.</summary>
    public static double[] Linear(double[] x, double[] w, double[]? b, int inFeatures, int outFeatures)
    {
        int rows = x.Length / inFeatures;
        var y = new double[rows * outFeatures];
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < outFeatures; o++)
            {
                double s = b?[o] ?? 0;
                for (int i = 0; i < inFeatures; i++) s += x[r * inFeatures + i] * w[o * inFeatures + i];
                y[r * outFeatures + o] = s;
            }
        return y;
    }

    public static double[] Map(double[] x, Func<double, double> f) => x.Select(f).ToArray();

    public static double[] Add(double[] a, double[] b) => ElementwiseReference.Broadcast(a, b, (x, y) => x + y);
    public static double[] Mul(double[] a, double[] b) => ElementwiseReference.Broadcast(a, b, (x, y) => x * y);

    /// <summary>Causal (optional) attention on one batch: q, k, v [heads, time, dim].</summary>
    public static double[] Attention(double[] q, double[] k, double[] v, int heads, int time, int dim, bool causal)
    {
        var o = new double[q.Length];
        double scale = 1 / Math.Sqrt(dim);
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < time; i++)
            {
                int seen = causal ? i + 1 : time;
                var w = new double[seen];
                double max = double.NegativeInfinity;
                for (int j = 0; j < seen; j++)
                {
                    double s = 0;
                    for (int d = 0; d < dim; d++) s += q[(h * time + i) * dim + d] * k[(h * time + j) * dim + d];
                    w[j] = s * scale;
                    max = Math.Max(max, w[j]);
                }
                double sum = 0;
                for (int j = 0; j < seen; j++) sum += w[j] = Math.Exp(w[j] - max);
                for (int j = 0; j < seen; j++)
                    for (int d = 0; d < dim; d++)
                        o[(h * time + i) * dim + d] += w[j] / sum * v[(h * time + j) * dim + d];
            }
        return o;
    }

    /// <summary>Mean cross-entropy over rows whose target is not the ignore index.</summary>
    public static double CrossEntropyMean(double[] logits, int classes, long[] targets, long ignoreIndex = -100)
    {
        var rows = RowOpsReference.CrossEntropy(logits, classes, targets, ignoreIndex);
        int counted = targets.Count(t => t != ignoreIndex);
        return counted == 0 ? 0 : rows.Sum() / counted;
    }

    /// <summary>d loss / d p by central differences in double, one element at a time.</summary>
    public static double[] FiniteDifference(Func<double> loss, double[] p, double step = 1e-6)
    {
        var g = new double[p.Length];
        for (int i = 0; i < p.Length; i++)
        {
            double saved = p[i];
            p[i] = saved + step;
            double up = loss();
            p[i] = saved - step;
            double down = loss();
            p[i] = saved;
            g[i] = (up - down) / (2 * step);
        }
        return g;
    }
}
