using System;
using System.Collections.Generic;

namespace LlmLab;

/// <summary>
/// "Did you mean ...?" for mistyped names: the optimal-string-alignment distance (insertions, deletions,
/// substitutions and adjacent transpositions, so "cdua" is one step from "cuda") and the nearest candidate.
/// One copy for the whole tree: this file is linked into the engine, LlmLab.Experiments and the source generator
/// (netstandard2.0), each compiling it as an internal type.
/// </summary>
internal static class EditDistance
{
    public static int Between(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }

    /// <summary>The candidate closest to <paramref name="typed"/> ignoring case (the first on ties), or null when
    /// even that one is more than <paramref name="maxDistance"/> edits away.</summary>
    public static string? Closest(string typed, IEnumerable<string> candidates, int maxDistance) =>
        Nearest(typed, candidates, s => s.ToLowerInvariant(), out var distance) is { } best && distance <= maxDistance ? best : null;

    /// <summary>
    /// The candidate whose <paramref name="form"/> is nearest to that of <paramref name="typed"/> (the first on
    /// ties) and its distance, or null for no candidates. Callers apply their own "close enough".
    /// </summary>
    public static string? Nearest(string typed, IEnumerable<string> candidates, Func<string, string> form, out int distance)
    {
        var target = form(typed);
        string? best = null;
        distance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var d = Between(target, form(candidate));
            if (d < distance)
            {
                best = candidate;
                distance = d;
            }
        }
        return best;
    }
}
