namespace LlmLab.Data;

/// <summary>The requested fields of one record of a user data file, with where it came from (for messages).</summary>
public sealed record DataRecord(string Source, long Line, IReadOnlyDictionary<string, string> Fields)
{
    public string this[string field] => Fields[field];
}

/// <summary>An input text and its target output (a prompt and its answer, a dialogue and its summary, ...).</summary>
public sealed record TextPair(string Input, string Output);
