using System.Globalization;
using LlmLab.Backends;

namespace LlmLab.Tests.References;

/// <summary>
/// Hugging Face generate's processors and warpers written straight from transformers' code, one row at a time, with
/// full sorts and double-precision softmax. The kept logits themselves are float32 operations (HF computes
/// scores / temperature and the penalty in float32), so the reference reproduces them to the bit. Where an order
/// is needed among equal values, a stable sort (index order) is used: the documented LlmLab convention.
/// </summary>
public static class SamplingReference
{
    /// <summary>One row through repetition penalty, temperature, top-k, top-p, min-p; removed entries are -inf.</summary>
    public static float[] Warp(float[] logits, int[]? previous, SamplingOptions o)
    {
        int v = logits.Length;
        var x = (float[])logits.Clone();
        if (o.RepetitionPenalty != 1f && previous is not null)
            foreach (int t in previous.Distinct())
                if (t >= 0 && t < v)
                    x[t] = logits[t] < 0 ? logits[t] * o.RepetitionPenalty : logits[t] / o.RepetitionPenalty;
        if (o.IsGreedy) return x;
        if (o.Temperature != 1f)
            for (int i = 0; i < v; i++) x[i] /= o.Temperature;

        if (o.TopK > 0)
        {
            int k = Math.Min(Math.Max(o.TopK, o.MinTokensToKeep), v);
            float kth = x.OrderByDescending(e => e).ElementAt(k - 1);
            for (int i = 0; i < v; i++) if (x[i] < kth) x[i] = float.NegativeInfinity;
        }

        if (o.TopP < 1f)
        {
            var ascending = Enumerable.Range(0, v).OrderBy(i => x[i]).ToArray(); // LINQ OrderBy is stable
            var probabilities = Softmax(x);
            double threshold = (float)(1.0 - double.Parse(o.TopP.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));
            double cumulative = 0;
            var remove = new bool[v];
            for (int j = 0; j < v; j++)
            {
                cumulative += probabilities[ascending[j]];
                remove[ascending[j]] = (float)cumulative <= threshold && j < v - o.MinTokensToKeep;
            }
            for (int i = 0; i < v; i++) if (remove[i]) x[i] = float.NegativeInfinity;
        }

        if (o.MinP > 0f)
        {
            var probabilities = Softmax(x);
            double top = probabilities.Max();
            // Largest first; among equal values the higher index first (the reverse of a stable ascending sort).
            var descending = Enumerable.Range(0, v).OrderBy(i => x[i]).ToArray().Reverse().ToArray();
            var remove = new bool[v];
            for (int j = 0; j < v; j++)
                remove[descending[j]] = probabilities[descending[j]] < o.MinP * top && j >= o.MinTokensToKeep;
            for (int i = 0; i < v; i++) if (remove[i]) x[i] = float.NegativeInfinity;
        }
        return x;
    }

    /// <summary>Softmax in double (zero where x is -inf).</summary>
    public static double[] Softmax(float[] x)
    {
        double max = x.Max();
        var e = x.Select(v => float.IsNegativeInfinity(v) ? 0 : Math.Exp(v - max)).ToArray();
        double sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }

    /// <summary>The inverse-CDF draw: first index whose cumulative probability (index order) exceeds u.</summary>
    public static int Draw(float[] warped, float u)
    {
        var p = Softmax(warped);
        double cumulative = 0;
        for (int i = 0; i < p.Length; i++)
        {
            cumulative += p[i];
            if (cumulative > u && p[i] > 0) return i;
        }
        return Array.FindLastIndex(p, q => q > 0);
    }

    /// <summary>Distance of u * total from the nearest cumulative boundary (draws closer than float rounding can flip).</summary>
    public static double DrawMargin(float[] warped, float u)
    {
        var p = Softmax(warped);
        double cumulative = 0, margin = double.PositiveInfinity;
        foreach (double q in p)
        {
            cumulative += q;
            margin = Math.Min(margin, Math.Abs(cumulative - u));
        }
        return margin;
    }
}
