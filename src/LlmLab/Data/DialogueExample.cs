namespace LlmLab.Data;

/// <summary>One dialogue ("#Person1#: ..." lines joined by "\n") with its one-sentence reference summary, in the
/// style of DialogSum.</summary>
public sealed record DialogueExample(string Id, string Dialogue, string Summary, string Topic);
