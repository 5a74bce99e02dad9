namespace LlmLab;

/// <summary>
/// "Did you mean ...?" for mistyped names: the optimal-string-alignment distance (insertions, deletions,
/// substitutions and adjacent transpositions, so "cdua" is one step from "cuda") and the closest candidate.
/// </summary>
public static class EditDistance
{
    public static int Between(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }

    /// <summary>The candidate closest to <paramref name="typed"/> ignoring case (the first on ties), or null when
    /// even that one is more than <paramref name="maxDistance"/> edits away.</summary>
    public static string? Closest(string typed, IEnumerable<string> candidates, int maxDistance)
    {
        string lower = typed.ToLowerInvariant();
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string candidate in candidates)
        {
            int distance = Between(lower, candidate.ToLowerInvariant());
            if (distance < bestDistance) (best, bestDistance) = (candidate, distance);
        }
        return bestDistance <= maxDistance ? best : null;
    }
}
