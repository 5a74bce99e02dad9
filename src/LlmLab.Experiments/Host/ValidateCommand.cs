using Spectre.Console;

namespace LlmLab.Experiments;

/// <summary>
/// <c>validate</c>: binds every experiment with its defaults and with each of its profiles, and reports every
/// failure (not just the first); exit code 2 when any fails. What CI runs to catch a profile that names a
/// parameter that no longer exists.
/// </summary>
internal static class ValidateCommand
{
    public static int Execute(HostSession session)
    {
        var console = session.Console;
        var failures = new List<string>();
        var table = console.NewTable("Experiment", "Binding", "Result");

        var defaults = session.Experiments.Where(e => e.IsDefault).Select(e => e.Name).ToList();
        if (defaults.Count > 1) failures.Add($"more than one default experiment: {string.Join(", ", defaults)}");
        foreach (var duplicate in session.Experiments.GroupBy(e => e.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
            failures.Add($"experiment name '{duplicate.Key}' is used {duplicate.Count()} times");

        foreach (var experiment in session.Experiments)
            foreach (string? profile in new string?[] { null }.Concat(experiment.Profiles.Select(p => p.Name)))
            {
                string binding = profile is null ? "defaults" : $"--profile {profile}";
                string? error = null;
                try
                {
                    var bound = experiment.Bind(profile, []);
                    if (bound.Steps.Count == 0) error = "it has no steps";
                }
                catch (Exception e)
                {
                    // A binder that throws anything else is as broken as one that rejects a value: report it the same way.
                    error = e is ExperimentConfigException ? e.Message : $"{e.GetType().Name}: {e.Message}";
                }
                table.AddRow(Markup.Escape(experiment.Name), Markup.Escape(binding), Markup.Escape(error is null ? "ok" : "FAILED: " + error));
                if (error is not null) failures.Add($"{experiment.Name} ({binding}): {error}");
            }

        console.Write(table);
        foreach (string failure in failures) console.Fail("invalid: " + failure);
        console.Line(failures.Count == 0
            ? $"ok: every experiment ({session.Experiments.Count}) binds with its defaults and each of its profiles"
            : $"{failures.Count} problem{(failures.Count == 1 ? "" : "s")} found");
        return failures.Count == 0 ? ExitCodes.Done : ExitCodes.BadUsage;
    }
}
