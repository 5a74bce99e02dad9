namespace LlmLab.Tests.References;

/// <summary>
/// Attention backward in float64, straight from the formula, per (b, h, i) over the keys j the query sees:
/// P_ij = softmax_j(q_i . k_j scale + bias_ij), dP_ij = dO_i . v_j, D_i = sum_j P_ij dP_ij (= dO_i . O_i),
/// dS_ij = P_ij (dP_ij - D_i); dQ_i = scale sum_j dS_ij k_j, dK_j += scale dS_ij q_i, dV_j += P_ij dO_i, summed over
/// the query heads that share a kv head. A query that sees no key contributes nothing.
/// </summary>
public static class AttentionBackwardReference
{
    public sealed record Gradients(double[] Query, double[] Key, double[] Value);

    /// <summary>q, dO [B, Hq, Tq, D]; k, v [B, Hkv, Tk, D].</summary>
    public static Gradients Backward(AttentionReference.Case c, float[] q, float[] k, float[] v, float[] gradOutput)
    {
        int d = c.Dim, tq = c.QueryLength, tk = c.KeyLength;
        double scale = c.Scale ?? 1 / Math.Sqrt(d);
        var dq = new double[q.Length];
        var dk = new double[k.Length];
        var dv = new double[v.Length];
        var p = new double[tk];
        var dp = new double[tk];
        var seen = new bool[tk];
        for (int b = 0; b < c.Batch; b++)
            for (int h = 0; h < c.QueryHeads; h++)
            {
                long kvRow = AttentionReference.KvRow(c, b, h);
                for (int i = 0; i < tq; i++)
                {
                    long qRow = AttentionReference.QueryRow(c, b, h, i);
                    if (!AttentionReference.Probabilities(c, q, k, b, h, i, p, seen)) continue;
                    double rowDot = 0;
                    for (int j = 0; j < tk; j++)
                    {
                        if (!seen[j]) continue;
                        double g2 = 0;
                        for (int x = 0; x < d; x++) g2 += (double)gradOutput[qRow + x] * v[(kvRow + j) * d + x];
                        dp[j] = g2;
                        rowDot += p[j] * g2;
                    }
                    for (int j = 0; j < tk; j++)
                    {
                        if (!seen[j]) continue;
                        double ds = p[j] * (dp[j] - rowDot) * scale;
                        for (int x = 0; x < d; x++)
                        {
                            dq[qRow + x] += ds * k[(kvRow + j) * d + x];
                            dk[(kvRow + j) * d + x] += ds * q[qRow + x];
                            dv[(kvRow + j) * d + x] += p[j] * gradOutput[qRow + x];
                        }
                    }
                }
            }
        return new Gradients(dq, dk, dv);
    }

    /// <summary>
    /// d/dx of sum(dO * attention(q, k, v)) by central differences with step <paramref name="step"/> on every
    /// element of q, k and v, through <see cref="AttentionReference.Attention"/> in float64. The inputs must be
    /// such that x +- step is exact in float (multiples of a power of two well above the step's ulp).
    /// </summary>
    public static Gradients FiniteDifferences(AttentionReference.Case c, float[] q, float[] k, float[] v, float[] gradOutput, float step)
    {
        double Loss()
        {
            var o = AttentionReference.Attention(c, q, k, v);
            double l = 0;
            for (int i = 0; i < o.Length; i++) l += o[i] * gradOutput[i];
            return l;
        }
        double[] Along(float[] x)
        {
            var g = new double[x.Length];
            for (int i = 0; i < x.Length; i++)
            {
                float keep = x[i];
                x[i] = keep + step;
                double up = Loss();
                x[i] = keep - step;
                double down = Loss();
                x[i] = keep;
                g[i] = (up - down) / (2.0 * step);
            }
            return g;
        }
        return new Gradients(Along(q), Along(k), Along(v));
    }
}
