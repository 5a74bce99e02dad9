namespace LlmLab.Training;

/// <summary>The loss or the gradient norm stopped being finite; the weights of the last checkpoint are intact.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
