using System.Numerics;

namespace LlmLab.Evaluation;

/// <summary>
/// N-gram counting shared by BLEU, chrF, ROUGE-N and distinct-n. Units (words or characters) are first mapped to
/// small integer ids, so an n-gram becomes one 64-bit key; a text's n-grams become a sorted key array, and the
/// clipped overlap of two texts (sum over n-grams of min(count in a, count in b)) is one merge of two sorted arrays.
/// This gives exactly the numbers of Python's Counter arithmetic, without hashing strings.
/// </summary>
internal static class NgramCounts
{
    /// <summary>
    /// Sorted keys of the order-<paramref name="n"/> n-grams of each sequence; keys are comparable across the
    /// sequences of one call. Ids must lie in [0, <paramref name="maxId"/>].
    /// </summary>
    public static ulong[][] SortedKeys(IReadOnlyList<int[]> sequences, int n, int maxId)
    {
        var keys = new ulong[sequences.Count][];
        int bits = Math.Max(1, 32 - BitOperations.LeadingZeroCount((uint)maxId));
        if (n * bits <= 64)
        {
            for (int s = 0; s < sequences.Count; s++)
                keys[s] = Packed(sequences[s], n, bits);
        }
        else
        {
            Relabelled(sequences, n, keys);
        }
        foreach (var k in keys) Array.Sort(k);
        return keys;
    }

    /// <summary>Sorted keys of one sequence's order-n n-grams (ids in [0, maxId]).</summary>
    public static ulong[] SortedKeys(int[] sequence, int n, int maxId) => SortedKeys([sequence], n, maxId)[0];

    /// <summary>The n-grams as id digits base 2^bits: the common case, one pass, no lookups.</summary>
    private static ulong[] Packed(int[] ids, int n, int bits)
    {
        int count = Math.Max(0, ids.Length - n + 1);
        var keys = new ulong[count];
        for (int i = 0; i < count; i++)
        {
            ulong key = 0;
            for (int j = 0; j < n; j++) key = (key << bits) | (uint)ids[i + j];
            keys[i] = key;
        }
        return keys;
    }

    /// <summary>
    /// Too many distinct units to pack n of them in 64 bits: build the order-k labels from the order-(k-1) labels
    /// and the next unit, one dictionary per order shared by all sequences, so equal n-grams get equal labels.
    /// </summary>
    private static void Relabelled(IReadOnlyList<int[]> sequences, int n, ulong[][] keys)
    {
        var labels = new int[sequences.Count][];
        for (int s = 0; s < sequences.Count; s++) labels[s] = (int[])sequences[s].Clone();
        for (int k = 2; k <= n; k++)
        {
            var ids = new Dictionary<ulong, int>();
            for (int s = 0; s < sequences.Count; s++)
            {
                int[] seq = sequences[s], prev = labels[s];
                int count = Math.Max(0, seq.Length - k + 1);
                var next = new int[count];
                for (int i = 0; i < count; i++)
                {
                    ulong pair = ((ulong)(uint)prev[i] << 32) | (uint)seq[i + k - 1];
                    if (!ids.TryGetValue(pair, out int label)) ids[pair] = label = ids.Count;
                    next[i] = label;
                }
                labels[s] = next;
            }
        }
        for (int s = 0; s < sequences.Count; s++)
        {
            int count = Math.Max(0, sequences[s].Length - n + 1);
            keys[s] = new ulong[count];
            for (int i = 0; i < count; i++) keys[s][i] = (uint)labels[s][i];
        }
    }

    /// <summary>Sum over distinct keys of min(count in a, count in b), for sorted a and b.</summary>
    public static long Overlap(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b)
    {
        long matches = 0;
        int i = 0, j = 0;
        while (i < a.Length && j < b.Length)
        {
            if (a[i] == b[j]) { matches++; i++; j++; }
            else if (a[i] < b[j]) i++;
            else j++;
        }
        return matches;
    }

    /// <summary>
    /// Sum over distinct hypothesis keys of min(count in hypothesis, max count in any reference): BLEU's clipped
    /// matches against the per-n-gram maximum over references. All arrays sorted.
    /// </summary>
    public static long ClippedByMaxReference(ReadOnlySpan<ulong> hypothesis, ulong[][] references)
    {
        if (references.Length == 1) return Overlap(hypothesis, references[0]);
        Span<int> cursor = references.Length <= 64 ? stackalloc int[references.Length] : new int[references.Length];
        cursor.Clear();
        long matches = 0;
        for (int i = 0; i < hypothesis.Length;)
        {
            ulong key = hypothesis[i];
            int count = 1;
            while (i + count < hypothesis.Length && hypothesis[i + count] == key) count++;
            i += count;
            int best = 0;
            for (int r = 0; r < references.Length; r++)
            {
                var refKeys = references[r];
                int c = cursor[r];
                while (c < refKeys.Length && refKeys[c] < key) c++;
                int start = c;
                while (c < refKeys.Length && refKeys[c] == key) c++;
                cursor[r] = c;
                best = Math.Max(best, c - start);
            }
            matches += Math.Min(count, best);
        }
        return matches;
    }

    /// <summary>Number of distinct keys in a sorted array.</summary>
    public static int Distinct(ReadOnlySpan<ulong> sorted)
    {
        int distinct = 0;
        for (int i = 0; i < sorted.Length; i++)
            if (i == 0 || sorted[i] != sorted[i - 1]) distinct++;
        return distinct;
    }
}
