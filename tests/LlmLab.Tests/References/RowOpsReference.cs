namespace LlmLab.Tests.References;

/// <summary>
/// Float64 definitions of the row-wise ops, straight from the formulas. Rows are the last axis of a row-major
/// array; a keep-mask repeats every mask.Length elements (broadcast over the leading axes).
/// </summary>
public static class RowOpsReference
{
    public static double[] Softmax(double[] x, int length, int[]? keep = null)
    {
        var y = new double[x.Length];
        for (int at = 0; at < x.Length; at += length)
        {
            double max = double.NegativeInfinity;
            for (int j = 0; j < length; j++)
                if (Kept(keep, at + j)) max = Math.Max(max, x[at + j]);
            if (double.IsNegativeInfinity(max)) continue; // nothing kept: zeros
            double sum = 0;
            for (int j = 0; j < length; j++)
                if (Kept(keep, at + j)) sum += Math.Exp(x[at + j] - max);
            for (int j = 0; j < length; j++)
                y[at + j] = Kept(keep, at + j) ? Math.Exp(x[at + j] - max) / sum : 0;
        }
        return y;
    }

    public static double[] LogSoftmax(double[] x, int length, int[]? keep = null)
    {
        var y = new double[x.Length];
        for (int at = 0; at < x.Length; at += length)
        {
            double max = double.NegativeInfinity;
            for (int j = 0; j < length; j++)
                if (Kept(keep, at + j)) max = Math.Max(max, x[at + j]);
            double sum = 0;
            for (int j = 0; j < length; j++)
                if (Kept(keep, at + j)) sum += Math.Exp(x[at + j] - max);
            for (int j = 0; j < length; j++)
                y[at + j] = Kept(keep, at + j) && !double.IsNegativeInfinity(max)
                    ? x[at + j] - max - Math.Log(sum)
                    : double.NegativeInfinity;
        }
        return y;
    }

    /// <summary>(x - mean) / sqrt(var + eps) * weight + bias, var = mean((x - mean)^2).</summary>
    public static double[] LayerNorm(double[] x, double[] weight, double[]? bias, double epsilon)
    {
        int n = weight.Length;
        var y = new double[x.Length];
        for (int at = 0; at < x.Length; at += n)
        {
            double mean = 0, variance = 0;
            for (int j = 0; j < n; j++) mean += x[at + j];
            mean /= n;
            for (int j = 0; j < n; j++) variance += (x[at + j] - mean) * (x[at + j] - mean);
            variance /= n;
            for (int j = 0; j < n; j++)
                y[at + j] = (x[at + j] - mean) / Math.Sqrt(variance + epsilon) * weight[j] + (bias?[j] ?? 0);
        }
        return y;
    }

    /// <summary>x / sqrt(mean(x^2) + eps) * weight.</summary>
    public static double[] RmsNorm(double[] x, double[] weight, double epsilon)
    {
        int n = weight.Length;
        var y = new double[x.Length];
        for (int at = 0; at < x.Length; at += n)
        {
            double meanSquare = 0;
            for (int j = 0; j < n; j++) meanSquare += x[at + j] * x[at + j];
            meanSquare /= n;
            for (int j = 0; j < n; j++) y[at + j] = x[at + j] / Math.Sqrt(meanSquare + epsilon) * weight[j];
        }
        return y;
    }

    public static double[] Embedding(double[] table, int dim, long[] ids)
    {
        var y = new double[ids.Length * dim];
        for (int k = 0; k < ids.Length; k++)
            Array.Copy(table, ids[k] * dim, y, (long)k * dim, dim);
        return y;
    }

    /// <summary>
    /// Rotate-half rope on x [batch, heads, time, dim]: angle = position * theta^(-2i/dim) for i &lt; dim/2, with
    /// positions [time] (perBatch false) or [batch, time].
    /// </summary>
    public static double[] Rope(double[] x, int batch, int heads, int time, int dim, int[] positions, bool perBatch, double theta)
    {
        int half = dim / 2;
        var y = new double[x.Length];
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < heads; h++)
                for (int t = 0; t < time; t++)
                {
                    int at = ((b * heads + h) * time + t) * dim;
                    double position = positions[perBatch ? b * time + t : t];
                    for (int i = 0; i < half; i++)
                    {
                        double angle = position * Math.Pow(theta, -2.0 * i / dim);
                        double cos = Math.Cos(angle), sin = Math.Sin(angle);
                        y[at + i] = x[at + i] * cos - x[at + i + half] * sin;
                        y[at + i + half] = x[at + i + half] * cos + x[at + i] * sin;
                    }
                }
        return y;
    }

    /// <summary>Per row: logsumexp(row) - row[target]; 0 where target is the ignore index.</summary>
    public static double[] CrossEntropy(double[] logits, int classes, long[] targets, long ignoreIndex)
    {
        var loss = new double[targets.Length];
        for (int r = 0; r < targets.Length; r++)
        {
            if (targets[r] == ignoreIndex) continue;
            int at = r * classes;
            double max = double.NegativeInfinity, sum = 0;
            for (int j = 0; j < classes; j++) max = Math.Max(max, logits[at + j]);
            for (int j = 0; j < classes; j++) sum += Math.Exp(logits[at + j] - max);
            loss[r] = max + Math.Log(sum) - logits[at + targets[r]];
        }
        return loss;
    }

    private static bool Kept(int[]? keep, int i) => keep is null || keep[i % keep.Length] != 0;
}
