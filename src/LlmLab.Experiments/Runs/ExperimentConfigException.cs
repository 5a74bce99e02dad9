namespace LlmLab.Experiments;

/// <summary>A bad parameter key or value, a bad profile or a bad command line: the host prints the message and exits with 2.</summary>
public sealed class ExperimentConfigException(string message) : Exception(message);
