namespace LlmLab.Experiments;

/// <summary>
/// Parameter keys as people type them: <c>learning_rate</c>, <c>learningRate</c> and <c>LearningRate</c> all name
/// the property <c>LearningRate</c> (case, '_' and '-' are ignored). An unknown key gets the closest known key by
/// edit distance as a suggestion. The source generator applies the same rules at build time.
/// </summary>
public static class ParameterKeys
{
    /// <summary>The form keys are compared in: lower case, without '_' and '-'.</summary>
    public static string Normalize(string key)
    {
        var chars = new List<char>(key.Length);
        foreach (var c in key.Trim())
            if (c != '_' && c != '-') chars.Add(char.ToLowerInvariant(c));
        return new string([.. chars]);
    }

    public static bool Matches(string key, string candidate) => Normalize(key) == Normalize(candidate);

    /// <summary>
    /// The index in <see cref="ExperimentDefinition.Parameters"/> of the parameter <paramref name="key"/> names;
    /// throws <see cref="ExperimentConfigException"/> with a suggestion when there is none.
    /// </summary>
    public static int Resolve(ExperimentDefinition definition, string key)
    {
        var parameters = definition.Parameters;
        var normalized = Normalize(key);
        for (var i = 0; i < parameters.Count; i++)
            if (Normalize(parameters[i].Key) == normalized) return i;
        throw new ExperimentConfigException(UnknownKeyMessage($"experiment '{definition.Name}'", key, parameters.Select(p => p.Key).ToList()));
    }

    /// <summary>"OWNER has no parameter 'k'; did you mean K?" or, with nothing close, the list of keys there are.</summary>
    public static string UnknownKeyMessage(string owner, string key, IReadOnlyList<string> known)
    {
        if (known.Count == 0) return $"{owner} has no parameter '{key}'; it has no parameters";
        var closest = Closest(key, known);
        return closest is null
            ? $"{owner} has no parameter '{key}'; its parameters are {string.Join(", ", known)}"
            : $"{owner} has no parameter '{key}'; did you mean {closest}?";
    }

    /// <summary>
    /// The candidate nearest to <paramref name="key"/> in normalized form (ties: the first), or null when even the
    /// nearest differs in more than a third of its characters (at least 2 edits are always allowed).
    /// </summary>
    public static string? Closest(string key, IEnumerable<string> candidates) =>
        LlmLab.EditDistance.Nearest(key, candidates, Normalize, out var distance) is { } best && distance <= Math.Max(2, Normalize(best).Length / 3)
            ? best
            : null;
}
