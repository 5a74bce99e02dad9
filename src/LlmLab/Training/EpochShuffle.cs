using LlmLab.Random;

namespace LlmLab.Training;

/// <summary>
/// An endless run of epochs over <c>count</c> items, each epoch a Fisher-Yates shuffle whose draws are
/// Philox(seed; epoch, j, stream): every item once an epoch, and the item at a position a pure function of it.
/// The latest epoch's order is kept, since consecutive positions nearly always share one.
/// </summary>
internal sealed class EpochShuffle(int count, ulong seed, uint stream)
{
    private readonly object _gate = new();
    private (long Epoch, int[] Order)? _lastEpoch;

    /// <summary>The item at <paramref name="position"/> (0, 1, ... across epochs).</summary>
    public int At(long position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        return Order(position / count)[(int)(position % count)];
    }

    private int[] Order(long epoch)
    {
        lock (_gate)
        {
            if (_lastEpoch is { } last && last.Epoch == epoch) return last.Order;
            var order = Enumerable.Range(0, count).ToArray();
            for (int j = order.Length - 1; j > 0; j--)
            {
                uint c0 = (uint)epoch, c1 = (uint)(epoch >> 32), c2 = (uint)j, c3 = stream;
                Philox.Block(ref c0, ref c1, ref c2, ref c3, (uint)seed, (uint)(seed >> 32));
                int k = (int)(((ulong)c0 << 32 | c1) % (ulong)(j + 1));
                (order[j], order[k]) = (order[k], order[j]);
            }
            _lastEpoch = (epoch, order);
            return order;
        }
    }
}
