using System.Text;
using System.Text.RegularExpressions;

namespace LlmLab.Experiments;

/// <summary>
/// Replaces what differs between two runs of the same seed with placeholders, so reports can be compared with a
/// verified snapshot: absolute paths (&lt;path&gt;), run and sweep folder names (&lt;run&gt;, sweep-&lt;time&gt;),
/// timestamps and dates (&lt;time&gt;, &lt;date&gt;), durations such as "12.3 s" (&lt;duration&gt;), git commits
/// (&lt;commit&gt;), the machine's name (&lt;machine&gt;), and every number in the timings section (&lt;n&gt;).
/// </summary>
public static partial class ReportScrubber
{
    public static string Scrub(string text)
    {
        text = ScrubTimings(text.Replace("\r\n", "\n"));
        text = WindowsPath().Replace(text, "<path>");
        text = UnixPath().Replace(text, "<path>");
        text = RunFolderName().Replace(text, "<run>");
        text = SweepFolderName().Replace(text, "sweep-<time>");
        text = Timestamp().Replace(text, "<time>");
        text = Date().Replace(text, "<date>");
        text = ClockTime().Replace(text, "<time>");
        text = Duration().Replace(text, "<duration>");
        text = Commit().Replace(text, "<commit>");
        string machine = Environment.MachineName;
        if (machine.Length >= 2)
            text = Regex.Replace(text, $@"\b{Regex.Escape(machine)}\b", "<machine>", RegexOptions.IgnoreCase);
        return text;
    }

    // Inside the timings section every number is a wall-clock figure.
    private static string ScrubTimings(string text)
    {
        var result = new StringBuilder();
        bool inTimings = false;
        foreach (string line in text.Split('\n'))
        {
            if (line.StartsWith("## ", StringComparison.Ordinal) || line.StartsWith("# ", StringComparison.Ordinal))
                inTimings = line.StartsWith("## Timings", StringComparison.Ordinal);
            result.Append(inTimings && line.StartsWith('|') ? NumberInTable().Replace(line, "<n>") : line).Append('\n');
        }
        return result.ToString(0, result.Length - 1);
    }

    [GeneratedRegex(@"(?<![\w.~/-])/(?:[^\s/|()\[\]'""`<>]+/)*[^\s/|()\[\]'""`<>]+/?")]
    private static partial Regex UnixPath();

    [GeneratedRegex(@"\b[A-Za-z]:\\[^\s|()\[\]'""`<>]*")]
    private static partial Regex WindowsPath();

    [GeneratedRegex(@"\b\d{8}-\d{6}-[0-9a-f]{8}(?:-\d+)?\b")]
    private static partial Regex RunFolderName();

    [GeneratedRegex(@"\bsweep-\d{8}-\d{6}(?:-\d+)?\b")]
    private static partial Regex SweepFolderName();

    [GeneratedRegex(@"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?")]
    private static partial Regex Timestamp();

    [GeneratedRegex(@"\b\d{4}-\d{2}-\d{2}\b")]
    private static partial Regex Date();

    [GeneratedRegex(@"\b\d{1,2}:\d{2}:\d{2}(?:\.\d+)?\b")]
    private static partial Regex ClockTime();

    [GeneratedRegex(@"(?<![\w.])-?\d+(?:\.\d+)?(?:e[+-]?\d+)?\s?(?:ms|s|min|h)\b")]
    private static partial Regex Duration();

    [GeneratedRegex(@"\b[0-9a-f]{40}\b")]
    private static partial Regex Commit();

    [GeneratedRegex(@"(?<![\w<])-?\d+(?:\.\d+)?(?:e[+-]?\d+)?(?![\w>])")]
    private static partial Regex NumberInTable();
}
