namespace LlmLab.Scaling;

/// <summary>Why <see cref="Lbfgs.Minimize"/> stopped.</summary>
public enum LbfgsStop
{
    /// <summary>The gradient fell below <see cref="LbfgsOptions.GradientTolerance"/>: a stationary point.</summary>
    Gradient,
    /// <summary>An iteration lowered the value by less than <see cref="LbfgsOptions.FunctionTolerance"/> of it.</summary>
    FunctionChange,
    /// <summary><see cref="LbfgsOptions.MaxIterations"/> ran out.</summary>
    MaxIterations,
    /// <summary>No step along even the steepest-descent direction lowered the value (the limit of float64 precision).</summary>
    LineSearchFailed,
}

/// <summary>The point <see cref="Lbfgs.Minimize"/> ended at, its value and gradient, the work done and why it stopped.</summary>
public sealed record LbfgsResult(double[] X, double Value, double[] Gradient, int Iterations, int Evaluations, LbfgsStop Stop);
