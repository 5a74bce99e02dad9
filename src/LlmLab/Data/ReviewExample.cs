namespace LlmLab.Data;

/// <summary>One review with its sentiment label ("positive" or "negative") and domain ("product" or "movie").</summary>
public sealed record ReviewExample(string Id, string Text, string Label, string Domain);
