using LlmLab.Random;

namespace LlmLab.Data;

/// <summary>
/// The draws of one generated example: draw n is Philox(key = seed; counter = (example, n, stream)), so example i
/// is the same whether 10 or 10^6 examples are generated, and each generator (a stream) is independent of the
/// others.
/// </summary>
public sealed class DataRandom
{
    /// <summary>Stream ids: one per generator, so the generators never share draws (LabelledText takes 9-12 and
    /// PreferenceGenerator 13-14).</summary>
    public const uint DialogueStream = 1, ReviewStream = 2, PretrainingStream = 3, SplitStream = 4,
        PretrainingDialogueStream = 5, PretrainingReviewStream = 6;

    /// <summary>
    /// Instruction items (<see cref="InstructionGenerator"/>): task k (its place in the task list) draws an item's
    /// own numbers (template, label, operands) from InstructionStream + k and the dialogue or review the item is about
    /// from InstructionTextStream + k + 256a, a = 0, 1, ... the attempt (a task that needs a text with some property
    /// draws again until it has one), so no task repeats another's texts, or the fine-tuning sets', draw for draw.
    /// The multi-task mixture draws each item's task from MixtureStream.
    /// </summary>
    public const uint MixtureStream = 7, InstructionStream = 0x100, InstructionTextStream = 0x10000;

    private readonly ulong _seed;
    private readonly ulong _example;
    private readonly uint _stream;
    private uint _draw;

    public DataRandom(ulong seed, ulong example, uint stream)
    {
        _seed = seed;
        _example = example;
        _stream = stream;
    }

    /// <summary>The next 32 random bits (first output word of the next Philox block).</summary>
    public uint NextUInt()
    {
        uint c0 = (uint)_example, c1 = (uint)(_example >> 32), c2 = _draw++, c3 = _stream;
        Philox.Block(ref c0, ref c1, ref c2, ref c3, (uint)_seed, (uint)(_seed >> 32));
        return c0;
    }

    /// <summary>An integer in [0, count): multiply-shift of 32 random bits (bias below count / 2^32).</summary>
    public int Next(int count)
    {
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), count, "must be positive");
        return (int)(((ulong)NextUInt() * (uint)count) >> 32);
    }

    /// <summary>An integer in [min, max] inclusive.</summary>
    public int Between(int min, int max) => min + Next(max - min + 1);

    /// <summary>True with probability p.</summary>
    public bool Chance(double p) => NextUInt() < p * 4294967296.0;

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    /// <summary>One of the phrasings; all arguments are evaluated, one draw is taken.</summary>
    public string Pick(params string[] phrasings) => phrasings[Next(phrasings.Length)];

    /// <summary>k distinct items, in draw order.</summary>
    public T[] PickDistinct<T>(IReadOnlyList<T> items, int k)
    {
        var chosen = new List<int>(k);
        while (chosen.Count < k)
        {
            int i = Next(items.Count);
            if (!chosen.Contains(i)) chosen.Add(i);
        }
        return chosen.Select(i => items[i]).ToArray();
    }
}
