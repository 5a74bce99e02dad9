namespace LlmLab.Cli.Commands;

/// <summary>
/// GNU-style long options for a command: <c>--name value</c> or <c>--name=value</c>, flags without values, options
/// that may repeat, and positional arguments where the command declares them (<see cref="Positional"/>). Anything
/// undeclared, a missing value or a stray positional argument is a usage error.
/// </summary>
public sealed class OptionParser
{
    private enum Kind { Flag, Single, Repeated }

    private readonly Dictionary<string, Kind> declared = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> values = new(StringComparer.Ordinal);
    private readonly HashSet<string> flags = new(StringComparer.Ordinal);
    private readonly List<string> positionalNames = [];
    private readonly List<string> positionals = [];

    public OptionParser Flag(string name) { declared[name] = Kind.Flag; return this; }

    public OptionParser Single(string name) { declared[name] = Kind.Single; return this; }

    public OptionParser Repeated(string name) { declared[name] = Kind.Repeated; return this; }

    /// <summary>Declares the next positional argument (e.g. "PATH"); positionals are taken in declaration order.</summary>
    public OptionParser Positional(string name) { positionalNames.Add(name); return this; }

    public OptionParser Parse(IReadOnlyList<string> args)
    {
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg == "--") throw CliException.Usage($"unexpected argument '{arg}'");
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (arg.StartsWith('-') || positionals.Count == positionalNames.Count)
                    throw CliException.Usage($"unexpected argument '{arg}'");
                positionals.Add(arg);
                continue;
            }
            int equals = arg.IndexOf('=');
            string name = equals > 0 ? arg[..equals] : arg;
            if (!declared.TryGetValue(name, out var kind)) throw CliException.Usage($"unknown option '{name}'");

            if (kind == Kind.Flag)
            {
                if (equals > 0) throw CliException.Usage($"option '{name}' takes no value");
                flags.Add(name);
                continue;
            }

            string value;
            if (equals > 0) value = arg[(equals + 1)..];
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal)) value = args[++i];
            else throw CliException.Usage($"option '{name}' needs a value");

            if (!values.TryGetValue(name, out var list)) values[name] = list = [];
            if (kind == Kind.Single && list.Count > 0) throw CliException.Usage($"option '{name}' is given more than once");
            list.Add(value);
        }
        return this;
    }

    public bool Has(string flag) => flags.Contains(flag);

    public string? Value(string name) => values.TryGetValue(name, out var list) ? list[0] : null;

    public IReadOnlyList<string> Values(string name) => values.TryGetValue(name, out var list) ? list : [];

    /// <summary>An integer option (invariant culture), or null when it was not given; anything else is a usage error.</summary>
    public long? Integer(string name, long min = long.MinValue)
    {
        if (Value(name) is not { } text) return null;
        if (!long.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out long value))
            throw CliException.Usage($"option '{name}' needs an integer, got '{text}'");
        if (value < min) throw CliException.Usage($"option '{name}' must be at least {min}, got {value}");
        return value;
    }

    /// <summary>A number option (invariant culture, '.' as the decimal point), or null when it was not given.</summary>
    public float? Number(string name)
    {
        if (Value(name) is not { } text) return null;
        if (!float.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out float value) || !float.IsFinite(value))
            throw CliException.Usage($"option '{name}' needs a number, got '{text}'");
        return value;
    }

    /// <summary>The positional argument declared as <paramref name="name"/>, or null when it was not given.</summary>
    public string? PositionalValue(string name)
    {
        int index = positionalNames.IndexOf(name);
        return index >= 0 && index < positionals.Count ? positionals[index] : null;
    }
}
