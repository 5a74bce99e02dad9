using LlmLab.Data;
using LlmLab.Random;

namespace LlmLab.Prompting;

/// <summary>
/// Draws the shots of an item from a pool, as lm-eval's ContextSampler does but keyed per item: the candidates are
/// the pool's items of the same task and template without any item whose id is the test item's, ordered by id
/// (ordinal; pool order among equal ids); the draw is a partial Fisher-Yates shuffle of them by
/// <see cref="RandomStream"/>(seed, "fewshot/" + id). So an item's shots depend only on the seed, its id and the
/// set of candidates - not on the order of the pool or of evaluation - and its k-shot draw begins with its
/// (k-1)-shot draw. With fewer candidates than shots asked for, all of them are used.
/// </summary>
public sealed class FewShotSampler
{
    private readonly Dictionary<(string Task, string Template), InstructionExample[]> _groups;

    public FewShotSampler(IEnumerable<InstructionExample> pool) =>
        _groups = pool.GroupBy(i => (i.Task, i.Template))
            .ToDictionary(g => g.Key, g => g.OrderBy(i => i.Id, StringComparer.Ordinal).ToArray());   // a stable sort

    /// <summary>How many shots the pool holds for an item (same task and template, another id).</summary>
    public int Available(InstructionExample item) =>
        _groups.TryGetValue((item.Task, item.Template), out var group) ? group.Count(c => c.Id != item.Id) : 0;

    /// <summary>Up to <paramref name="shots"/> other items of the item's task and template, in draw order.</summary>
    public IReadOnlyList<InstructionExample> Sample(InstructionExample item, int shots, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shots);
        if (shots == 0 || !_groups.TryGetValue((item.Task, item.Template), out var group)) return [];
        var candidates = group.Where(c => c.Id != item.Id).ToArray();
        int count = Math.Min(shots, candidates.Length);
        var random = new RandomStream(seed, "fewshot/" + item.Id);
        for (int i = 0; i < count; i++)
        {
            int j = i + random.NextInt(candidates.Length - i);
            (candidates[i], candidates[j]) = (candidates[j], candidates[i]);
        }
        return candidates[..count];
    }
}
