namespace LlmLab.Evaluation;

/// <summary>
/// A small open-addressing multiset of 64-bit n-gram keys, reused per thread: <see cref="Add"/> counts keys,
/// <see cref="Find"/> looks one up, and a "pass" (<see cref="BeginPass"/>, <see cref="Take"/>) consumes counts for
/// clipped matching without copying them. Generation stamps make Reset and BeginPass O(1); each slot is one
/// 24-byte record, so a probe touches one cache line.
/// </summary>
internal sealed class NgramTable
{
    private struct Slot
    {
        public ulong Key;
        public int Stamp;     // == table stamp: the slot is occupied
        public int Count;
        public int PassStamp; // == table pass: Taken is valid
        public int Taken;
    }

    [ThreadStatic] private static NgramTable? forThread;

    public static NgramTable ForThread => forThread ??= new NgramTable();

    private Slot[] slots = new Slot[256];
    private int stamp, pass, mask = 255, shift = 64 - 8;

    /// <summary>Distinct keys added since the last reset.</summary>
    public int Count { get; private set; }

    /// <summary>Empties the table, sized for about <paramref name="expectedKeys"/> distinct keys (load at most 1/2).</summary>
    public void Reset(int expectedKeys)
    {
        int capacity = 256;
        while (capacity < 2 * expectedKeys) capacity *= 2;
        if (capacity > slots.Length)
        {
            slots = new Slot[capacity];
            stamp = pass = 0;
        }
        // Use only as much of a large table as this job needs: fewer cache misses for small jobs.
        mask = capacity - 1;
        shift = 64 - System.Numerics.BitOperations.Log2((uint)capacity);
        if (++stamp == int.MaxValue)
        {
            for (int i = 0; i < slots.Length; i++) slots[i].Stamp = 0;
            stamp = 1;
        }
        Count = 0;
    }

    private int Home(ulong key) => (int)((key * 0x9E3779B97F4A7C15UL) >> shift);

    /// <summary>Counts one occurrence of the key; returns its slot.</summary>
    public int Add(ulong key)
    {
        var s = slots;
        int i = Home(key);
        while (s[i].Stamp == stamp)
        {
            if (s[i].Key == key)
            {
                s[i].Count++;
                return i;
            }
            i = (i + 1) & mask;
        }
        ref var slot = ref s[i];
        slot.Stamp = stamp;
        slot.Key = key;
        slot.Count = 1;
        slot.PassStamp = 0;
        Count++;
        return i;
    }

    /// <summary>The key's slot, or -1.</summary>
    public int Find(ulong key)
    {
        var s = slots;
        int i = Home(key);
        while (s[i].Stamp == stamp)
        {
            if (s[i].Key == key) return i;
            i = (i + 1) & mask;
        }
        return -1;
    }

    /// <summary>Starts a matching pass: every key's count is available again.</summary>
    public void BeginPass()
    {
        if (++pass == int.MaxValue)
        {
            for (int i = 0; i < slots.Length; i++) slots[i].PassStamp = 0;
            pass = 1;
        }
    }

    /// <summary>Consumes one occurrence in this pass; false when all of the key's occurrences are used up.</summary>
    public bool Take(int index)
    {
        ref var slot = ref slots[index];
        if (slot.PassStamp != pass)
        {
            slot.PassStamp = pass;
            slot.Taken = 0;
        }
        if (slot.Taken >= slot.Count) return false;
        slot.Taken++;
        return true;
    }

    /// <summary>Occurrences consumed from the slot in this pass.</summary>
    public int Taken(int index) => slots[index].PassStamp == pass ? slots[index].Taken : 0;
}
