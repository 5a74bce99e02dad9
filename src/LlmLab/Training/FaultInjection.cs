namespace LlmLab.Training;

/// <summary>
/// A hook for crash tests: when the environment variable LLMLAB_PAUSE_AT names a point the process reaches
/// ("step-5": step 5 is recorded, its checkpoint not yet written; "checkpoint-8": checkpoint 8 is complete in its
/// temporary folder, not yet renamed; "before-sample": the experiment step "sample" is about to run), the process
/// writes "llmlab: paused at POINT" to standard error and waits to be killed. A test kills it there with SIGKILL and
/// resumes the run. Unset, which it is outside such tests, a point costs one comparison.
/// </summary>
public static class FaultInjection
{
    public const string Variable = "LLMLAB_PAUSE_AT";

    private static readonly string? Point = Environment.GetEnvironmentVariable(Variable);

    /// <summary>Pauses at the point named "<paramref name="kind"/>-<paramref name="at"/>"; the name is only formed
    /// when a point is set, since the trainer passes here every step.</summary>
    public static void Pause<T>(string kind, T at)
    {
        if (Point is not null) Pause($"{kind}-{at}");
    }

    public static void Pause(string point)
    {
        if (Point is null || !string.Equals(Point, point, StringComparison.Ordinal)) return;
        Console.Error.WriteLine($"llmlab: paused at {point}");
        Console.Error.Flush();
        Thread.Sleep(Timeout.Infinite);
    }
}
