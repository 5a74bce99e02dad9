using LlmLab.Tests.Infrastructure;

namespace LlmLab.Tests.References;

/// <summary>Float64 LoRA (PEFT): y = x W^T + bias + scale (x A^T) B^T, and the merged weight W + scale B A.</summary>
public static class LoraReference
{
    /// <summary>y [rows, out] and the error scale of each output: sum |x W| + |bias| + |scale| sum_t |x A^T|_t |B_jt|.</summary>
    public static (double[] Y, double[] Magnitude) Linear(float[] x, float[] w, float[]? bias, float[] a, float[] b, float scale,
        int rows, int inFeatures, int outFeatures, int rank) =>
        Linear(x, TestData.ToDouble(w), bias, a, b, scale, rows, inFeatures, outFeatures, rank);

    /// <summary>As above with W given in float64: QLoRA's base, the quantised weight dequantised exactly.</summary>
    public static (double[] Y, double[] Magnitude) Linear(float[] x, double[] w, float[]? bias, float[] a, float[] b, float scale,
        int rows, int inFeatures, int outFeatures, int rank)
    {
        var y = new double[rows * outFeatures];
        var magnitude = new double[y.Length];
        var xa = new double[rank];
        var xaSize = new double[rank];
        for (int r = 0; r < rows; r++)
        {
            for (int t = 0; t < rank; t++)
            {
                double sum = 0, size = 0;
                for (int k = 0; k < inFeatures; k++)
                {
                    sum += (double)x[r * inFeatures + k] * a[t * inFeatures + k];
                    size += Math.Abs((double)x[r * inFeatures + k] * a[t * inFeatures + k]);
                }
                xa[t] = sum;
                xaSize[t] = size;
            }
            for (int j = 0; j < outFeatures; j++)
            {
                double main = 0, size = 0, update = 0, updateSize = 0;
                for (int k = 0; k < inFeatures; k++)
                {
                    main += x[r * inFeatures + k] * w[j * inFeatures + k];
                    size += Math.Abs(x[r * inFeatures + k] * w[j * inFeatures + k]);
                }
                for (int t = 0; t < rank; t++)
                {
                    update += xa[t] * b[j * rank + t];
                    updateSize += xaSize[t] * Math.Abs(b[j * rank + t]);
                }
                double biasValue = bias is null ? 0 : bias[j];
                y[r * outFeatures + j] = main + biasValue + scale * update;
                magnitude[r * outFeatures + j] = size + Math.Abs(biasValue) + Math.Abs(scale) * updateSize;
            }
        }
        return (y, magnitude);
    }

    /// <summary>W + scale B A [out, in], and the error scale |W| + |scale| sum_t |B_ot A_ti|.</summary>
    public static (double[] W, double[] Magnitude) Merge(float[] w, float[] a, float[] b, float scale, int inFeatures, int outFeatures, int rank)
    {
        var merged = new double[w.Length];
        var magnitude = new double[w.Length];
        for (int o = 0; o < outFeatures; o++)
            for (int i = 0; i < inFeatures; i++)
            {
                double sum = 0, size = 0;
                for (int t = 0; t < rank; t++)
                {
                    sum += (double)b[o * rank + t] * a[t * inFeatures + i];
                    size += Math.Abs((double)b[o * rank + t] * a[t * inFeatures + i]);
                }
                merged[o * inFeatures + i] = w[o * inFeatures + i] + scale * sum;
                magnitude[o * inFeatures + i] = Math.Abs(w[o * inFeatures + i]) + Math.Abs(scale) * size;
            }
        return (merged, magnitude);
    }
}
