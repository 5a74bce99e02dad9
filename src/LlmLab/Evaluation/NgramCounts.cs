using System.Numerics;

namespace LlmLab.Evaluation;

/// <summary>
/// N-gram counting shared by BLEU, chrF, ROUGE-N and distinct-n. Units (words or characters) are first mapped to
/// small integer ids, so an n-gram becomes one 64-bit key; counting then runs on an open-addressing table
/// (<see cref="NgramTable"/>) instead of hashing strings or tuples. The numbers are exactly those of Python's
/// Counter arithmetic: clipped overlap = sum over n-grams of min(count in a, count in b).
/// </summary>
internal static class NgramCounts
{
    /// <summary>
    /// The keys of the order-<paramref name="n"/> n-grams of each sequence, in text order; equal n-grams get equal
    /// keys across the sequences of one call. Ids must lie in [0, <paramref name="maxId"/>].
    /// </summary>
    public static ulong[][] Keys(IReadOnlyList<int[]> sequences, int n, int maxId)
    {
        var keys = new ulong[sequences.Count][];
        int bits = BitsFor(maxId);
        if (n * bits <= 64)
        {
            for (int s = 0; s < sequences.Count; s++)
                keys[s] = Packed(sequences[s], n, bits);
        }
        else
        {
            Relabelled(sequences, n, keys);
        }
        return keys;
    }

    /// <summary>Bits needed for ids in [0, maxId].</summary>
    public static int BitsFor(int maxId) => Math.Max(1, 32 - BitOperations.LeadingZeroCount((uint)maxId));

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

    /// <summary>Sum over distinct keys of min(count in a, count in b).</summary>
    public static long Overlap(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b)
    {
        if (a.IsEmpty || b.IsEmpty) return 0;
        var table = NgramTable.ForThread;
        table.Reset(a.Length);
        foreach (ulong key in a) table.Add(key);
        table.BeginPass();
        long matches = 0;
        foreach (ulong key in b)
        {
            int slot = table.Find(key);
            if (slot >= 0 && table.Take(slot)) matches++;
        }
        return matches;
    }

    /// <summary>
    /// Sum over distinct hypothesis keys of min(count in hypothesis, max count in any one reference): BLEU's
    /// clipped matches against the per-n-gram maximum over references.
    /// </summary>
    public static long ClippedByMaxReference(ReadOnlySpan<ulong> hypothesis, ulong[][] references)
    {
        if (references.Length == 1) return Overlap(hypothesis, references[0]);
        if (hypothesis.IsEmpty) return 0;
        var table = NgramTable.ForThread;
        table.Reset(hypothesis.Length);
        foreach (ulong key in hypothesis) table.Add(key);
        // max over references of min(h, c_r) equals min(h, max over references of c_r).
        var best = new Dictionary<int, int>();
        foreach (var reference in references)
        {
            table.BeginPass();
            foreach (ulong key in reference)
            {
                int slot = table.Find(key);
                if (slot >= 0 && table.Take(slot))
                {
                    int taken = table.Taken(slot);
                    if (!best.TryGetValue(slot, out int b) || taken > b) best[slot] = taken;
                }
            }
        }
        long matches = 0;
        foreach (int b in best.Values) matches += b;
        return matches;
    }

    /// <summary>Number of distinct keys.</summary>
    public static int Distinct(ReadOnlySpan<ulong> keys)
    {
        var table = NgramTable.ForThread;
        table.Reset(keys.Length);
        foreach (ulong key in keys) table.Add(key);
        return table.Count;
    }
}
