namespace LlmLab.Evaluation;

/// <summary>Gives each distinct word (ordinal comparison) a small id, 0, 1, 2, ..., looking words up by span.</summary>
internal sealed class WordIds
{
    private readonly Dictionary<string, int> ids = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> bySpan;

    public WordIds() => bySpan = ids.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The largest id given so far (0 when none).</summary>
    public int MaxId => Math.Max(0, ids.Count - 1);

    public int Id(ReadOnlySpan<char> word)
    {
        if (!bySpan.TryGetValue(word, out int id))
        {
            id = ids.Count;
            bySpan[word] = id;
        }
        return id;
    }
}
