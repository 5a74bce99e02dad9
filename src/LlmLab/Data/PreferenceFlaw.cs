namespace LlmLab.Data;

/// <summary>What is wrong with the rejected completion of a preference pair.</summary>
public static class PreferenceFlaw
{
    /// <summary>The summary with rude words (<see cref="RudeWords"/>) put in: the facts are right.</summary>
    public const string Rude = "rude";

    /// <summary>The summary with one fact (a name, day, place or count) swapped for one the dialogue does not state:
    /// polite, but unfaithful.</summary>
    public const string WrongSlot = "wrong-slot";

    /// <summary>Not known (a pair loaded from a file without "flaw").</summary>
    public const string Unknown = "";
}
