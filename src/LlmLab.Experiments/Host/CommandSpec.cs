using System.Text;

namespace LlmLab.Experiments;

/// <summary>An option a command takes: its name without dashes, whether it may repeat, what its value is.</summary>
internal sealed record OptionSpec(string Name, string Value, string Help, bool Repeats = false);

/// <summary>A host command: its name, argument shape (for usage and checking) and options.</summary>
internal sealed record CommandSpec(string Name, string Arguments, string Help, int MinArguments, int MaxArguments, IReadOnlyList<OptionSpec> Options)
{
    private static readonly OptionSpec Set = new("set", "KEY=VALUE", "override a parameter (repeatable; keys ignore case, '_' and '-')", Repeats: true);
    private static readonly OptionSpec Profile = new("profile", "NAME", "apply a named profile's overrides first (e.g. quick)");
    private static readonly OptionSpec BackendOption = new("backend", "NAME", "cpu (default), ilgpu-cpu, cuda, opencl or auto");
    private static readonly OptionSpec Seed = new("seed", "N", "the run's seed (default 1337)");
    private static readonly OptionSpec Out = new("out", "DIR", "where run folders go (default ./runs)");

    public static IReadOnlyList<CommandSpec> All { get; } =
    [
        new("list", "", "list the experiments", 0, 0, []),
        new("describe", "NAME", "show an experiment's parameters and profiles", 1, 1, []),
        new("run", "[NAME]", "run an experiment (the default one without NAME); or continue a run with --resume", 0, 1,
            [Set, Profile, BackendOption, Seed, Out, new("resume", "RUNDIR", "continue an interrupted or failed run in its own folder")]),
        new("sweep", "NAME", "run every combination of --grid values, then write a comparison report", 1, 1,
            [new("grid", "KEY=V1,V2,...", "values to sweep (repeatable; combinations in the order given)", Repeats: true), Set, Profile, BackendOption, Seed, Out]),
        new("validate", "", "bind every experiment with its defaults and with each profile", 0, 0, []),
        new("report", "RUNDIR", "render a run's (or sweep's) report.md and report.json again from its files", 1, 1, []),
        new("compare", "RUNDIR RUNDIR...", "show runs side by side: configuration differences and final metrics", 1, int.MaxValue,
            [new("out", "DIR", "also write the comparison as DIR/report.md and DIR/report.json")]),
    ];

    public static CommandSpec? Find(string name) => All.FirstOrDefault(c => c.Name == name);

    public string Usage()
    {
        var text = new StringBuilder($"usage: {Name}{(Arguments.Length > 0 ? " " + Arguments : "")}{(Options.Count > 0 ? " [options]" : "")}\n  {Help}\n");
        foreach (var option in Options)
            text.Append($"  --{option.Name} {option.Value}".PadRight(32)).Append(option.Help).Append('\n');
        return text.ToString();
    }

    public static string GeneralUsage()
    {
        var text = new StringBuilder("usage: [COMMAND] [ARGUMENTS] [OPTIONS]   (no command: run the default experiment)\n\ncommands:\n");
        foreach (var command in All)
            text.Append($"  {command.Name} {command.Arguments}".PadRight(28)).Append(command.Help).Append('\n');
        text.Append("\nrun options: --set KEY=VALUE (repeatable), --profile NAME, --backend NAME, --seed N, --out DIR, --resume RUNDIR\n");
        text.Append("sweep options: --grid KEY=V1,V2 (repeatable) and the run options but --resume\n");
        text.Append("COMMAND --help shows a command's options.\n");
        text.Append("\nexit codes: 0 done, 1 the run failed, 2 bad usage or configuration, 130 interrupted (Ctrl+C)\n");
        return text.ToString();
    }
}
