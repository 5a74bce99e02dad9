namespace LlmLab.Experiments;

/// <summary>A named set of overrides (key, value text), applied in order before <c>--set</c> values.</summary>
public sealed record ExperimentProfile(string Name, IReadOnlyList<KeyValuePair<string, string>> Settings);
