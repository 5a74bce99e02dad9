using System.Globalization;

namespace Lifecycle;

/// <summary>
/// The command line of the tiny-GPT run: <c>--steps N --seed N --backend NAME --out DIR --documents N</c>. Unknown
/// keys and bad values are reported by name (exit code 2).
/// </summary>
public sealed record TinyGptOptions
{
    public int Steps { get; init; } = 2000;
    public ulong Seed { get; init; } = 1337;
    public string Backend { get; init; } = "cpu";
    public string Out { get; init; } = "runs/tiny-gpt";
    /// <summary>Documents of the synthetic pre-training corpus (about 500 characters each).</summary>
    public int Documents { get; init; } = 4000;

    private static readonly string[] Keys = ["--steps", "--seed", "--backend", "--out", "--documents"];

    public static TinyGptOptions Parse(string[] args)
    {
        var options = new TinyGptOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string key = args[i];
            if (!Keys.Contains(key))
                throw new ArgumentException($"unknown option '{key}'{Suggest(key)}; options are {string.Join(", ", Keys)}");
            if (i + 1 == args.Length) throw new ArgumentException($"option '{key}' needs a value");
            string value = args[++i];
            options = key switch
            {
                "--steps" => options with { Steps = Positive(key, value) },
                "--documents" => options with { Documents = Positive(key, value) },
                "--seed" => options with { Seed = ulong.TryParse(value, CultureInfo.InvariantCulture, out ulong s) ? s : throw Bad(key, value, "a non-negative integer") },
                "--backend" => options with { Backend = value },
                _ => options with { Out = value },
            };
        }
        return options;
    }

    private static int Positive(string key, string value) =>
        int.TryParse(value, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : throw Bad(key, value, "a positive integer");

    private static ArgumentException Bad(string key, string value, string expected) => new($"option '{key}': '{value}' is not {expected}");

    private static string Suggest(string key)
    {
        var best = Keys.MinBy(k => Distance(k, key))!;
        return Distance(best, key) <= 3 ? $" (did you mean '{best}'?)" : "";
    }

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
        return d[a.Length, b.Length];
    }
}
