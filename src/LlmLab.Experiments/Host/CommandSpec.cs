using System.Text;

namespace LlmLab.Experiments;

/// <summary>An option a command takes: its name without dashes, whether it may repeat or is a flag (no value), what its value is.</summary>
internal sealed record OptionSpec(string Name, string Value, string Help, bool Repeats = false, bool Flag = false);

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
        new("sweep", "NAME | status|resume|report SWEEPDIR",
            "run every combination of --grid values here or on a cluster, then a comparison report; follow, continue or report a sweep", 1, 2,
            [new("grid", "KEY=V1,V2,...", "values to sweep (repeatable; combinations in the order given)", Repeats: true), Set, Profile, BackendOption, Seed, Out,
             new("executor", "NAME", "local (default: here, one point at a time), slurm (a job array) or kubernetes (an Indexed Job)"),
             new("parallel", "N", "slurm, kubernetes: at most N points at once"),
             new("time", "LIMIT", "slurm, kubernetes: time per point (minutes, H:MM:SS or D-HH:MM:SS)"),
             new("cpus", "N", "slurm, kubernetes: CPUs per point"),
             new("memory", "SIZE", "slurm, kubernetes: memory per point (512M, 8G)"),
             new("gpus", "N", "slurm, kubernetes: GPUs per point"),
             new("worker", "COMMAND", "slurm, kubernetes: how a node starts this host (default: as this process was started)"),
             new("partition", "NAME", "slurm: the partition to submit to"),
             new("sbatch", "OPTION", "slurm: one more #SBATCH line, such as account=lab (repeatable)", Repeats: true),
             new("setup", "LINE", "slurm: a shell line run before the point, such as 'module load dotnet' (repeatable)", Repeats: true),
             new("image", "IMAGE", "kubernetes: the container image (its entrypoint is this host)"),
             new("claim", "NAME", "kubernetes: the PersistentVolumeClaim that holds the runs folder"),
             new("mount", "PATH", "kubernetes: where pods mount the claim (default: this runs folder's own path)"),
             new("retries", "N", "kubernetes: retries of a failed point (backoffLimitPerIndex, default 1)"),
             new("apply", "", "kubernetes: kubectl apply the Job (without it the manifest is printed)", Flag: true)]),
        new("run-point", "SWEEPDIR [INDEX]", "run one point of a sweep in its folder (INDEX from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX when left out)", 1, 2,
            [new("indices", "LIST", "INDEX is a position in this list of points (1,3,5-7): a resubmission of some points")]),
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
        {
            // A long argument shape gets a line of its own, so the descriptions stay in one column.
            string head = $"  {command.Name} {command.Arguments}";
            text.Append(head.Length < 28 ? head.PadRight(28) : head + "\n" + new string(' ', 28)).Append(command.Help).Append('\n');
        }
        text.Append("\nrun options: --set KEY=VALUE (repeatable), --profile NAME, --backend NAME, --seed N, --out DIR, --resume RUNDIR\n");
        text.Append("sweep options: --grid KEY=V1,V2 (repeatable), the run options but --resume, --executor local|slurm|kubernetes\n");
        text.Append("  and its options (sweep --help); sweep status|resume|report SWEEPDIR follow, continue and report a sweep\n");
        text.Append("COMMAND --help shows a command's options.\n");
        text.Append("\nexit codes: 0 done, 1 the run failed, 2 bad usage or configuration, 130 interrupted (Ctrl+C or SIGTERM)\n");
        return text.ToString();
    }
}
