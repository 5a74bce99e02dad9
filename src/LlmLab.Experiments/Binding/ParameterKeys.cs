namespace LlmLab.Experiments;

/// <summary>
/// Parameter keys as people type them: <c>learning_rate</c>, <c>learningRate</c> and <c>LearningRate</c> all name
/// the property <c>LearningRate</c> (case, '_' and '-' are ignored). An unknown key gets the closest known key by
/// edit distance as a suggestion. The rules are <see cref="KeyRules"/>, the one copy the source generator also
/// compiles; this is their public face for generated binders and hosts.
/// </summary>
public static class ParameterKeys
{
    /// <summary>The form keys are compared in: lower case, without '_' and '-'.</summary>
    public static string Normalize(string key) => KeyRules.Normalize(key);

    public static bool Matches(string key, string candidate) => KeyRules.Matches(key, candidate);

    /// <summary>
    /// The index in <see cref="ExperimentDefinition.Parameters"/> of the parameter <paramref name="key"/> names;
    /// throws <see cref="ExperimentConfigException"/> with a suggestion when there is none.
    /// </summary>
    public static int Resolve(ExperimentDefinition definition, string key)
    {
        var keys = definition.Parameters.Select(p => p.Key).ToList();
        var index = KeyRules.IndexOf(keys, key);
        return index >= 0 ? index : throw new ExperimentConfigException(KeyRules.UnknownKeyMessage($"experiment '{definition.Name}'", key, keys));
    }

    /// <summary>"OWNER has no parameter 'k'; did you mean K?" or, with nothing close, the list of keys there are.</summary>
    public static string UnknownKeyMessage(string owner, string key, IReadOnlyList<string> known) => KeyRules.UnknownKeyMessage(owner, key, known);

    /// <summary>
    /// The candidate nearest to <paramref name="key"/> in normalized form (ties: the first), or null when even the
    /// nearest differs in more than a third of its characters (at least 2 edits are always allowed).
    /// </summary>
    public static string? Closest(string key, IEnumerable<string> candidates) => KeyRules.Closest(key, candidates);
}
