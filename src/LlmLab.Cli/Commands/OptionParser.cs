namespace LlmLab.Cli.Commands;

/// <summary>
/// GNU-style long options for a command: <c>--name value</c> or <c>--name=value</c>, flags without values, options
/// that may repeat. Anything undeclared, a missing value or a stray positional argument is a usage error.
/// </summary>
public sealed class OptionParser
{
    private enum Kind { Flag, Single, Repeated }

    private readonly Dictionary<string, Kind> declared = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> values = new(StringComparer.Ordinal);
    private readonly HashSet<string> flags = new(StringComparer.Ordinal);

    public OptionParser Flag(string name) { declared[name] = Kind.Flag; return this; }

    public OptionParser Single(string name) { declared[name] = Kind.Single; return this; }

    public OptionParser Repeated(string name) { declared[name] = Kind.Repeated; return this; }

    public OptionParser Parse(IReadOnlyList<string> args)
    {
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
                throw CliException.Usage($"unexpected argument '{arg}'");
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
}
