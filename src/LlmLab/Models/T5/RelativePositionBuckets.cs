namespace LlmLab.Models;

/// <summary>
/// T5's relative position buckets (transformers' T5Attention._relative_position_bucket): a key-minus-query offset
/// becomes one of <c>buckets</c> ids. Bidirectional (the encoder): half the buckets for keys after the query, half
/// for keys at or before it. Unidirectional (the decoder): keys after the query share bucket 0 with the query
/// itself (the causal mask hides them anyway). In each half, the first half of the buckets hold exact distances
/// 0 .. maxExact - 1, the rest grow logarithmically up to <c>maxDistance</c>, beyond which all share the last.
/// </summary>
public static class RelativePositionBuckets
{
    /// <summary>The bucket of offset <paramref name="relativePosition"/> = key position - query position.</summary>
    public static int Bucket(int relativePosition, bool bidirectional, int buckets, int maxDistance)
    {
        int bucket = 0, distance;
        if (bidirectional)
        {
            buckets /= 2;
            if (relativePosition > 0) bucket = buckets;
            distance = Math.Abs(relativePosition);
        }
        else
        {
            distance = -Math.Min(relativePosition, 0);
        }
        int maxExact = buckets / 2;
        if (distance < maxExact) return bucket + distance;
        // Distances that are powers of two of maxExact land on whole numbers; the ratio of logs is exact there in
        // double as in PyTorch's float32, so truncation agrees with transformers.
        int large = maxExact + (int)(Math.Log((double)distance / maxExact) / Math.Log((double)maxDistance / maxExact) * (buckets - maxExact));
        return bucket + Math.Min(large, buckets - 1);
    }

    /// <summary>
    /// Row-major [queries, keys] bucket ids for queries at positions queryOffset .. queryOffset + queries - 1 and
    /// keys at 0 .. keys - 1.
    /// </summary>
    public static int[] Matrix(int queries, int keys, int queryOffset, bool bidirectional, int buckets, int maxDistance)
    {
        var ids = new int[queries * keys];
        for (int i = 0; i < queries; i++)
            for (int j = 0; j < keys; j++)
                ids[i * keys + j] = Bucket(j - (queryOffset + i), bidirectional, buckets, maxDistance);
        return ids;
    }
}
