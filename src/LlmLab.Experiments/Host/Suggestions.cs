namespace LlmLab.Experiments;

/// <summary>"did you mean X?": the closest known name by edit distance, when it is close enough to be a typo.</summary>
internal static class Suggestions
{
    public static string? Closest(string input, IEnumerable<string> candidates) =>
        EditDistance.Closest(input, candidates, Math.Max(2, input.Length / 3));

    /// <summary>"; did you mean 'X'?" or nothing.</summary>
    public static string DidYouMean(string input, IEnumerable<string> candidates) =>
        Closest(input, candidates) is { } best ? $"; did you mean '{best}'?" : "";
}
