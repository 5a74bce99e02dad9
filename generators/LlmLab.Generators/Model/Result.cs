namespace LlmLab.Generators.Model;

/// <summary>What one pipeline step made of one input: a model (null when the input is unusable) and its diagnostics.</summary>
internal sealed record Result<T>(T? Model, EquatableArray<DiagnosticInfo> Diagnostics) where T : class;
