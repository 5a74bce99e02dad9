using System;
using System.Collections.Generic;
using System.Text;

namespace LlmLab.Generators.Parsing
{
    /// <summary>
    /// Key matching at build time, by the rules LlmLab.Experiments.ParameterKeys applies at run time (a test holds
    /// the two to the same answers): case, '_' and '-' are ignored; the suggestion for an unknown key is the closest
    /// key by edit distance, when it is close.
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

        public static string? Closest(string key, IEnumerable<string> candidates)
        {
            var normalized = Normalize(key);
            string? best = null;
            var bestDistance = int.MaxValue;
            foreach (var candidate in candidates)
            {
                var distance = EditDistance(normalized, Normalize(candidate));
                if (distance < bestDistance)
                {
                    best = candidate;
                    bestDistance = distance;
                }
            }
            return best is not null && bestDistance <= Math.Max(2, Normalize(best).Length / 3) ? best : null;
        }

        public static int EditDistance(string a, string b)
        {
            var previous = new int[b.Length + 1];
            var current = new int[b.Length + 1];
            for (var j = 0; j <= b.Length; j++) previous[j] = j;
            for (var i = 1; i <= a.Length; i++)
            {
                current[0] = i;
                for (var j = 1; j <= b.Length; j++)
                {
                    var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                    current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
                }
                var swap = previous;
                previous = current;
                current = swap;
            }
            return previous[b.Length];
        }
    }
}
