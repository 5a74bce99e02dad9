using Spectre.Console;

namespace LlmLab.Experiments;

/// <summary>
/// Where the host writes: Spectre.Console for tables and step lines (colour and live progress only on a terminal),
/// and a plain writer for error lines, one line each.
/// </summary>
internal sealed class HostConsole(IAnsiConsole output, TextWriter error, bool interactive) : IRunConsole
{
    public IAnsiConsole Output { get; } = output;
    public TextWriter Error { get; } = error;
    public bool Interactive { get; } = interactive;

    /// <summary>The console of a real process: plain when standard output is redirected (a file, a pipe, CI).</summary>
    public static HostConsole ForProcess()
    {
        bool redirected = System.Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = redirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = redirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = redirected ? InteractionSupport.No : InteractionSupport.Detect,
        });
        if (redirected) console.Profile.Width = 120;
        return new HostConsole(console, System.Console.Error, interactive: !redirected && console.Profile.Capabilities.Interactive);
    }

    /// <summary>Plain text into <paramref name="writer"/> (tests, logs): no colour, no live display.</summary>
    public static HostConsole ForWriter(TextWriter writer, TextWriter? error = null)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 120;
        return new HostConsole(console, error ?? writer, interactive: false);
    }

    /// <summary>
    /// A line of plain text. On a terminal it goes through Spectre (which keeps it above a live progress bar);
    /// otherwise straight to the writer, so a long path is never wrapped.
    /// </summary>
    public void Line(string text)
    {
        if (Interactive) Output.WriteLine(text);
        else Output.Profile.Out.Writer.WriteLine(text);
    }

    /// <summary>A line with Spectre markup where the console has colour; the markup is stripped otherwise.</summary>
    public void Markup(string markup) => Output.MarkupLine(markup);

    public void Fail(string message) => Error.WriteLine(message);

    public Table NewTable(params string[] columns)
    {
        var table = new Table().Border(Interactive ? TableBorder.Rounded : TableBorder.Ascii);
        foreach (string column in columns) table.AddColumn(new TableColumn(Spectre.Console.Markup.Escape(column)));
        return table;
    }

    public void Write(Table table) => Output.Write(table);

    /// <summary>A path as a person would type it: relative to the current folder when inside it.</summary>
    public static string Display(string path)
    {
        string full = Path.GetFullPath(path);
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, full);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? full : relative;
    }
}
