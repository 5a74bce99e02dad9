namespace LlmLab.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        int width = Console.IsOutputRedirected ? CliContext.DefaultWidth : SafeWindowWidth();
        return Cli.Run(args, new CliContext(Console.Out, Console.Error, width));
    }

    private static int SafeWindowWidth()
    {
        try { return Math.Max(40, Console.WindowWidth); }
        catch (IOException) { return CliContext.DefaultWidth; }
    }
}
