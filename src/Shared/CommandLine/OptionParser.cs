using System.Globalization;

namespace LlmLab;

/// <summary>
/// GNU-style long options, the one parser of the <c>llmlab</c> tool and the experiment host (this file is linked
/// into both): <c>--name value</c> or <c>--name=value</c>, flags without values, options that may repeat, and
/// positional arguments (named slots, or up to a count). A value never starts with "--" (that is the next option,
/// and the one before it lacks its value). <c>-h</c> and <c>--help</c> anywhere set <see cref="Help"/>. Anything
/// else is an <see cref="OptionException"/>, which each tool words in its own way.
/// </summary>
internal sealed class OptionParser
{
    private enum Kind { Flag, Single, Repeated }

    private readonly Dictionary<string, Kind> _declared = new(StringComparer.Ordinal);
    private readonly List<string> _names = [];
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);
    private readonly List<string> _positionalNames = [];
    private readonly List<string> _positionals = [];
    private int _maxPositionals;

    public OptionParser Flag(string name) => Declare(name, Kind.Flag);

    public OptionParser Single(string name) => Declare(name, Kind.Single);

    public OptionParser Repeated(string name) => Declare(name, Kind.Repeated);

    /// <summary>Declares the next positional argument (e.g. "PATH"); positionals are taken in declaration order.</summary>
    public OptionParser Positional(string name)
    {
        _positionalNames.Add(name);
        _maxPositionals = Math.Max(_maxPositionals, _positionalNames.Count);
        return this;
    }

    /// <summary>Takes up to <paramref name="max"/> positional arguments without names (the caller checks the count it needs).</summary>
    public OptionParser AllowArguments(int max)
    {
        _maxPositionals = Math.Max(_maxPositionals, max);
        return this;
    }

    /// <summary>True when <c>-h</c> or <c>--help</c> was among the arguments.</summary>
    public bool Help { get; private set; }

    /// <summary>The positional arguments, in order.</summary>
    public IReadOnlyList<string> Arguments => _positionals;

    /// <summary>Parses <paramref name="args"/> from <paramref name="start"/> on; throws <see cref="OptionException"/> at the first problem.</summary>
    public OptionParser Parse(IReadOnlyList<string> args, int start = 0)
    {
        for (int i = start; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg is "-h" or "--help") { Help = true; continue; }
            if (arg == "--") throw Problem(OptionProblem.UnexpectedArgument, arg, arg);
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (arg.StartsWith('-') && arg.Length > 1 && !double.TryParse(arg, CultureInfo.InvariantCulture, out _))
                    throw Problem(OptionProblem.SingleDash, arg, arg);
                if (_positionals.Count == _maxPositionals) throw Problem(OptionProblem.UnexpectedArgument, arg, arg);
                _positionals.Add(arg);
                continue;
            }

            int equals = arg.IndexOf('=');
            string name = equals > 0 ? arg[..equals] : arg;
            if (!_declared.TryGetValue(name, out var kind)) throw Problem(OptionProblem.UnknownOption, arg, name);
            if (kind == Kind.Flag)
            {
                if (equals > 0) throw Problem(OptionProblem.FlagWithValue, arg, name);
                _flags.Add(name);
                continue;
            }

            string value;
            if (equals > 0) value = arg[(equals + 1)..];
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal)) value = args[++i];
            else throw Problem(OptionProblem.MissingValue, arg, name);

            if (!_values.TryGetValue(name, out var list)) _values[name] = list = [];
            else if (kind == Kind.Single) throw Problem(OptionProblem.GivenTwice, arg, name);
            list.Add(value);
        }
        return this;
    }

    /// <summary>True when the option was given: a flag, or an option with its value.</summary>
    public bool Has(string name) => _flags.Contains(name) || _values.ContainsKey(name);

    /// <summary>The value of an option that does not repeat, or null when it was not given.</summary>
    public string? Value(string name) => _values.TryGetValue(name, out var list) ? list[0] : null;

    /// <summary>Every value of a repeating option, in the order given.</summary>
    public IReadOnlyList<string> Values(string name) => _values.TryGetValue(name, out var list) ? list : [];

    /// <summary>The positional argument declared as <paramref name="name"/>, or null when it was not given.</summary>
    public string? PositionalValue(string name)
    {
        int index = _positionalNames.IndexOf(name);
        return index >= 0 && index < _positionals.Count ? _positionals[index] : null;
    }

    private OptionParser Declare(string name, Kind kind)
    {
        if (_declared.TryAdd(name, kind)) _names.Add(name);
        else _declared[name] = kind;
        return this;
    }

    private OptionException Problem(OptionProblem problem, string argument, string option) => new(problem, argument, option, _names);
}
