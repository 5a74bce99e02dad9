namespace LlmLab.Tests.References;

/// <summary>
/// Attention in float64, straight from the formula: for each (b, h, i) the scores q_i . k_j * scale + bias[i, j]
/// over the keys j it may see (j &lt;= Tk - Tq + i when causal, mask[b, j] != 0), a plain softmax over them (no
/// online rescaling), and the p-weighted sum of the v_j. Query head h reads kv head h / (Hq / Hkv). A query that
/// sees no key gives zeros.
/// </summary>
public static class AttentionReference
{
    public sealed record Case(int Batch, int QueryHeads, int KvHeads, int QueryLength, int KeyLength, int Dim)
    {
        public bool Causal { get; init; }
        public int[]? Mask { get; init; }           // [B, Tk]
        public float[]? Bias { get; init; }         // [Hq, Tq, Tk] or [B, Hq, Tq, Tk]
        public bool BiasPerBatch { get; init; }
        public double? Scale { get; init; }
    }

    /// <summary>q [B, Hq, Tq, D], k and v [B, Hkv, Tk, D] (all keys, cached ones included): [B, Hq, Tq, D].</summary>
    public static double[] Attention(Case c, float[] q, float[] k, float[] v)
    {
        int d = c.Dim, tq = c.QueryLength, tk = c.KeyLength;
        double scale = c.Scale ?? 1 / Math.Sqrt(d);
        var output = new double[(long)c.Batch * c.QueryHeads * tq * d];
        var scores = new double[tk];
        var seen = new bool[tk];
        for (int b = 0; b < c.Batch; b++)
            for (int h = 0; h < c.QueryHeads; h++)
            {
                int g = h / (c.QueryHeads / c.KvHeads);
                long kvRow = ((long)b * c.KvHeads + g) * tk;
                for (int i = 0; i < tq; i++)
                {
                    long qRow = (((long)b * c.QueryHeads + h) * tq + i) * d;
                    double max = double.NegativeInfinity;
                    for (int j = 0; j < tk; j++)
                    {
                        seen[j] = (!c.Causal || j <= tk - tq + i) && (c.Mask is null || c.Mask[b * tk + j] != 0);
                        if (!seen[j]) continue;
                        double dot = 0;
                        for (int x = 0; x < d; x++) dot += (double)q[qRow + x] * k[(kvRow + j) * d + x];
                        double s = dot * scale;
                        if (c.Bias is not null)
                            s += c.Bias[((c.BiasPerBatch ? (long)b * c.QueryHeads + h : h) * tq + i) * tk + j];
                        scores[j] = s;
                        max = Math.Max(max, s);
                    }
                    if (double.IsNegativeInfinity(max)) continue; // nothing visible: zeros
                    double sum = 0;
                    for (int j = 0; j < tk; j++)
                        if (seen[j]) sum += scores[j] = Math.Exp(scores[j] - max);
                    for (int j = 0; j < tk; j++)
                    {
                        if (!seen[j]) continue;
                        double p = scores[j] / sum;
                        for (int x = 0; x < d; x++) output[qRow + x] += p * v[(kvRow + j) * d + x];
                    }
                }
            }
        return output;
    }
}
