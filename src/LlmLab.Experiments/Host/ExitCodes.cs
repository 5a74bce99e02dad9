namespace LlmLab.Experiments;

/// <summary>What the host's exit code means.</summary>
public static class ExitCodes
{
    public const int Done = 0;
    /// <summary>A step threw: the run folder's run.json says "failed" and log.txt has the details.</summary>
    public const int RunFailed = 1;
    /// <summary>Bad command line or configuration (unknown experiment, key, option, profile or backend; bad value).</summary>
    public const int BadUsage = 2;
    /// <summary>Ctrl+C or SIGTERM (a scheduler stopping the job): the run stopped after its step returned and is marked "interrupted" (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;
}
