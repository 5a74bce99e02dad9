using System;
using System.Collections.Generic;
using System.Text;

namespace LlmLab.Generators.Parsing
{
    /// <summary>
    /// Key matching at build time, by the rules LlmLab.Experiments.ParameterKeys applies at run time (a test holds
    /// the two to the same answers): case, '_' and '-' are ignored; the suggestion for an unknown key is the closest
    /// key by edit distance (LlmLab.EditDistance, shared), when it is close.
    /// </summary>
    internal static class KeyMatch
    {
        public static string Normalize(string key)
        {
            var builder = new StringBuilder(key.Length);
            foreach (var c in key.Trim())
                if (c != '_' && c != '-') builder.Append(char.ToLowerInvariant(c));
            return builder.ToString();
        }

        /// <summary>The index of the name <paramref name="key"/> matches, or -1.</summary>
        public static int IndexOf(IReadOnlyList<string> names, string key)
        {
            var normalized = Normalize(key);
            for (var i = 0; i < names.Count; i++)
                if (Normalize(names[i]) == normalized) return i;
            return -1;
        }

        public static string UnknownKeyMessage(string owner, string key, IReadOnlyList<string> known)
        {
            if (known.Count == 0) return $"{owner} has no parameter '{key}'; it has no parameters";
            var closest = Closest(key, known);
            return closest is null
                ? $"{owner} has no parameter '{key}'; its parameters are {string.Join(", ", known)}"
                : $"{owner} has no parameter '{key}'; did you mean {closest}?";
        }

        public static string? Closest(string key, IEnumerable<string> candidates) =>
            EditDistance.Nearest(key, candidates, Normalize, out var distance) is { } best && distance <= Math.Max(2, Normalize(best).Length / 3)
                ? best
                : null;
    }
}
