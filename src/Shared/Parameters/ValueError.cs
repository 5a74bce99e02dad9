namespace LlmLab;

/// <summary>Which rule a parameter value broke: the generator reports each as its own diagnostic.</summary>
internal enum ValueProblem { WrongType, OutOfRange, NotAChoice }

/// <summary>A parameter value refused by <see cref="ValueRules"/>: the rule it broke and the message to show.</summary>
internal sealed class ValueError
{
    public ValueError(ValueProblem problem, string message)
    {
        Problem = problem;
        Message = message;
    }

    public ValueProblem Problem { get; }

    /// <summary>"Key: 'text' is not ..." and the like; the same words at build time and at run time.</summary>
    public string Message { get; }
}
