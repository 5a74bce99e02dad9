namespace LlmLab.Evaluation;

/// <summary>Gives each distinct word (ordinal comparison) a small id, 0, 1, 2, ..., looking words up by span.</summary>
internal sealed class WordIds
{
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _bySpan;

    public WordIds() => _bySpan = _ids.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The largest id given so far (0 when none).</summary>
    public int MaxId => Math.Max(0, _ids.Count - 1);

    public int Id(ReadOnlySpan<char> word)
    {
        if (!_bySpan.TryGetValue(word, out int id))
        {
            id = _ids.Count;
            _bySpan[word] = id;
        }
        return id;
    }
}
