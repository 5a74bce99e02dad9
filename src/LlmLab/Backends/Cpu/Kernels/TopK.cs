using System.Numerics;
using System.Runtime.Intrinsics;

namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// HF's TopKLogitsWarper: keep logits &gt;= the k-th largest (counted with multiplicity, so ties at the threshold
/// are kept). Small k: one pass with a bounded min-heap, where a vector compare against the heap's minimum skips
/// almost every element. Large k: a radix select on order-preserving keys. No sort either way.
/// </summary>
internal static class TopK
{
    public const int HeapLimit = 256;

    /// <summary>The k-th largest value of <paramref name="row"/> (0 &lt; k &lt; length, no NaN).</summary>
    public static float Threshold(ReadOnlySpan<float> row, int k, WarperScratch scratch)
    {
        if (k <= HeapLimit) return HeapThreshold(row, k, scratch.Heap.AsSpan(0, k));
        int at = RadixSelect.FirstCrossing(row, scratch.Identity.AsSpan(0, row.Length), default, 1, row.Length - k, scratch);
        return row[at];
    }

    private static float HeapThreshold(ReadOnlySpan<float> row, int k, Span<float> heap)
    {
        row[..k].CopyTo(heap);
        for (int i = k / 2 - 1; i >= 0; i--) SiftDown(heap, i);
        int start = k;
        for (; start < row.Length && start % 8 != 0; start++) Offer(heap, row[start]);
        for (; start <= row.Length - 8; start += 8)
        {
            uint above = Vector256.GreaterThan(Vector256.Create(row.Slice(start, 8)), Vector256.Create(heap[0])).ExtractMostSignificantBits();
            while (above != 0)
            {
                Offer(heap, row[start + BitOperations.TrailingZeroCount(above)]);
                above &= above - 1;
            }
        }
        for (; start < row.Length; start++) Offer(heap, row[start]);
        return heap[0];
    }

    private static void Offer(Span<float> heap, float x)
    {
        if (x <= heap[0]) return;
        heap[0] = x;
        SiftDown(heap, 0);
    }

    private static void SiftDown(Span<float> heap, int i)
    {
        float x = heap[i];
        while (true)
        {
            int child = 2 * i + 1;
            if (child >= heap.Length) break;
            if (child + 1 < heap.Length && heap[child + 1] < heap[child]) child++;
            if (heap[child] >= x) break;
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = x;
    }
}
