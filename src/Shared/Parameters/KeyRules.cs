using System;
using System.Collections.Generic;
using System.Text;

namespace LlmLab;

/// <summary>
/// Parameter keys as people type them: <c>learning_rate</c>, <c>learningRate</c> and <c>LearningRate</c> all name
/// <c>LearningRate</c> (case, '_' and '-' are ignored). An unknown key gets the closest known key as a suggestion.
/// One copy: the source generator checks YAML and profiles with it at build time, LlmLab.Experiments binds with it
/// at run time (both link this file), so the two cannot drift apart.
/// </summary>
internal static class KeyRules
{
    /// <summary>The form keys are compared in: trimmed, lower case, without '_' and '-'.</summary>
    public static string Normalize(string key)
    {
        var builder = new StringBuilder(key.Length);
        foreach (var c in key.Trim())
            if (c != '_' && c != '-') builder.Append(char.ToLowerInvariant(c));
        return builder.ToString();
    }

    public static bool Matches(string key, string candidate) => Normalize(key) == Normalize(candidate);

    /// <summary>The index of the name <paramref name="key"/> matches, or -1.</summary>
    public static int IndexOf(IReadOnlyList<string> names, string key)
    {
        var normalized = Normalize(key);
        for (var i = 0; i < names.Count; i++)
            if (Normalize(names[i]) == normalized) return i;
        return -1;
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
        EditDistance.Nearest(key, candidates, Normalize, out var distance) is { } best && distance <= Math.Max(2, Normalize(best).Length / 3)
            ? best
            : null;
}
