using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace LlmLab.Cli;

/// <summary>Spectre.Console renderables as plain text (no colour codes, nothing live), so reports can be redirected.</summary>
internal static class PlainText
{
    public static string Render(int width, params IRenderable[] renderables)
    {
        var writer = new StringWriter(CultureInfo.InvariantCulture);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = width;
        foreach (var renderable in renderables) console.Write(renderable);
        return writer.ToString();
    }
}
