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

    [ThreadStatic] private static NgramTable? ThreadInstance;

    public static NgramTable ForThread => ThreadInstance ??= new NgramTable();

    private Slot[] _slots = new Slot[256];
    private int _stamp, _pass, _mask = 255, _shift = 64 - 8;

    /// <summary>Distinct keys added since the last reset.</summary>
    public int Count { get; private set; }

    /// <summary>Empties the table, sized for about <paramref name="expectedKeys"/> distinct keys (load at most 1/2).</summary>
    public void Reset(int expectedKeys)
    {
        int capacity = 256;
        while (capacity < 2 * expectedKeys) capacity *= 2;
        if (capacity > _slots.Length)
        {
            _slots = new Slot[capacity];
            _stamp = _pass = 0;
        }
        // Use only as much of a large table as this job needs: fewer cache misses for small jobs.
        _mask = capacity - 1;
        _shift = 64 - System.Numerics.BitOperations.Log2((uint)capacity);
        if (++_stamp == int.MaxValue)
        {
            for (int i = 0; i < _slots.Length; i++) _slots[i].Stamp = 0;
            _stamp = 1;
        }
        Count = 0;
    }

    private int Home(ulong key) => (int)((key * 0x9E3779B97F4A7C15UL) >> _shift);

    /// <summary>Counts one occurrence of the key; returns its slot.</summary>
    public int Add(ulong key)
    {
        var s = _slots;
        int i = Home(key);
        while (s[i].Stamp == _stamp)
        {
            if (s[i].Key == key)
            {
                s[i].Count++;
                return i;
            }
            i = (i + 1) & _mask;
        }
        ref var slot = ref s[i];
        slot.Stamp = _stamp;
        slot.Key = key;
        slot.Count = 1;
        slot.PassStamp = 0;
        Count++;
        return i;
    }

    /// <summary>The key's slot, or -1.</summary>
    public int Find(ulong key)
    {
        var s = _slots;
        int i = Home(key);
        while (s[i].Stamp == _stamp)
        {
            if (s[i].Key == key) return i;
            i = (i + 1) & _mask;
        }
        return -1;
    }

    /// <summary>Starts a matching pass: every key's count is available again.</summary>
    public void BeginPass()
    {
        if (++_pass == int.MaxValue)
        {
            for (int i = 0; i < _slots.Length; i++) _slots[i].PassStamp = 0;
            _pass = 1;
        }
    }

    /// <summary>Consumes one occurrence in this pass; false when all of the key's occurrences are used up.</summary>
    public bool Take(int index)
    {
        ref var slot = ref _slots[index];
        if (slot.PassStamp != _pass)
        {
            slot.PassStamp = _pass;
            slot.Taken = 0;
        }
        if (slot.Taken >= slot.Count) return false;
        slot.Taken++;
        return true;
    }

    /// <summary>Occurrences consumed from the slot in this pass.</summary>
    public int Taken(int index) => _slots[index].PassStamp == _pass ? _slots[index].Taken : 0;
}
