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
        var output = new double[(long)c.Batch * c.QueryHeads * tq * d];
        var p = new double[tk];
        var seen = new bool[tk];
        for (int b = 0; b < c.Batch; b++)
            for (int h = 0; h < c.QueryHeads; h++)
            {
                long kvRow = KvRow(c, b, h);
                for (int i = 0; i < tq; i++)
                {
                    long qRow = QueryRow(c, b, h, i);
                    if (!Probabilities(c, q, k, b, h, i, p, seen)) continue; // nothing visible: zeros
                    for (int j = 0; j < tk; j++)
                    {
                        if (!seen[j]) continue;
                        for (int x = 0; x < d; x++) output[qRow + x] += p[j] * v[(kvRow + j) * d + x];
                    }
                }
            }
        return output;
    }

    /// <summary>Element offset of query row i of (b, h) in q, dO or the output.</summary>
    public static long QueryRow(Case c, int b, int h, int i) => (((long)b * c.QueryHeads + h) * c.QueryLength + i) * c.Dim;

    /// <summary>Row offset (in key rows) of the kv head query head h reads in batch b.</summary>
    public static long KvRow(Case c, int b, int h) => ((long)b * c.KvHeads + h / (c.QueryHeads / c.KvHeads)) * c.KeyLength;

    /// <summary>
    /// The attention weights of query (b, h, i): which keys it sees (causal, mask) and softmax_j(q_i . k_j scale +
    /// bias_ij) over those, in <paramref name="p"/>. False when it sees no key.
    /// </summary>
    public static bool Probabilities(Case c, float[] q, float[] k, int b, int h, int i, double[] p, bool[] seen)
    {
        int d = c.Dim, tq = c.QueryLength, tk = c.KeyLength;
        double scale = c.Scale ?? 1 / Math.Sqrt(d);
        long qRow = QueryRow(c, b, h, i), kvRow = KvRow(c, b, h);
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
            p[j] = s;
            max = Math.Max(max, s);
        }
        if (double.IsNegativeInfinity(max)) return false;
        double sum = 0;
        for (int j = 0; j < tk; j++)
            if (seen[j]) sum += p[j] = Math.Exp(p[j] - max);
        for (int j = 0; j < tk; j++)
            if (seen[j]) p[j] /= sum;
        return true;
    }
}
