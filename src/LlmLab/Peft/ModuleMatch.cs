using System.Text.Json;
using System.Text.RegularExpressions;

namespace LlmLab.Peft;

/// <summary>How peft matches module paths against a config's module lists.</summary>
internal static class ModuleMatch
{
    /// <summary>peft's check_target_module_exists: a string is re.fullmatch; a list entry is the path or a dotted suffix of it.</summary>
    public static bool Targets(string path, IReadOnlyList<string>? names, string? regex) =>
        regex is not null
            ? Regex.IsMatch(path, $"^(?:{regex})$", RegexOptions.CultureInvariant)
            : names is not null && names.Any(n => path == n || path.EndsWith("." + n, StringComparison.Ordinal));

    /// <summary>peft's IA3 feed-forward check: a string is re.fullmatch; a list entry need only end the path (no dot).</summary>
    public static bool EndsWith(string path, IReadOnlyList<string>? names, string? regex) =>
        regex is not null
            ? Regex.IsMatch(path, $"^(?:{regex})$", RegexOptions.CultureInvariant)
            : names is not null && names.Any(n => path.EndsWith(n, StringComparison.Ordinal));

    /// <summary>
    /// The names to write for <paramref name="chosen"/> among <paramref name="all"/>: the shortest dotted suffixes
    /// ("k_proj", then "mlp.c_proj", ...) that select exactly those under <paramref name="match"/>, else the full paths.
    /// </summary>
    public static IReadOnlyList<string> Names(IReadOnlyCollection<string> all, IReadOnlyCollection<string> chosen, Func<string, IReadOnlyList<string>, bool> match)
    {
        int depth = chosen.Max(p => p.Split('.').Length);
        for (int d = 1; d < depth; d++)
        {
            var names = chosen.Select(p => string.Join('.', p.Split('.')[^Math.Min(d, p.Split('.').Length)..])).Distinct().Order(StringComparer.Ordinal).ToList();
            if (all.Where(p => match(p, names)).ToHashSet().SetEquals(chosen)) return names;
        }
        return [.. chosen.Order(StringComparer.Ordinal)];
    }

    /// <summary>A config's module field: a list of names, one regular expression, or absent (both null).</summary>
    public static (IReadOnlyList<string>? List, string? Regex) Read(JsonElement root, string key, string path)
    {
        if (!root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null) return (null, null);
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                try { _ = new Regex(value.GetString()!); }
                catch (ArgumentException e) { throw new InvalidDataException($"{path}: \"{key}\" is not a valid regular expression ({e.Message})"); }
                return (null, value.GetString());
            case JsonValueKind.Array when value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String):
                return ([.. value.EnumerateArray().Select(e => e.GetString()!)], null);
            default:
                throw new InvalidDataException($"{path}: \"{key}\" must be a list of module names or one regular expression, got {value.GetRawText()}");
        }
    }
}
