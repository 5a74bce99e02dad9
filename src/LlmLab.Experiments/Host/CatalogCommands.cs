using System.Globalization;
using Spectre.Console;

namespace LlmLab.Experiments;

/// <summary><c>list</c> and <c>describe NAME</c>: what the project's experiments are and what they take.</summary>
internal static class CatalogCommands
{
    public static int List(HostSession session)
    {
        var console = session.Console;
        if (session.Experiments.Count == 0)
        {
            console.Line("this project has no experiments");
            return ExitCodes.Done;
        }
        var table = console.NewTable("Experiment", "Description", "Kind");
        foreach (var experiment in session.Experiments)
            table.AddRow(
                Markup.Escape(experiment.Name + (experiment.IsDefault ? " (default)" : "")),
                Markup.Escape(experiment.Description ?? ""),
                Markup.Escape(experiment.Recipe is null ? "C#" : $"YAML, recipe {experiment.Recipe}"));
        console.Write(table);
        return ExitCodes.Done;
    }

    public static int Describe(CommandLine line, HostSession session)
    {
        var experiment = session.Find(line.Arguments[0]);
        var console = session.Console;
        console.Line($"{experiment.Name}{(experiment.IsDefault ? " (default)" : "")}: {experiment.Description ?? "(no description)"}");
        console.Line($"source: {experiment.Source}{(experiment.Recipe is null ? "" : $", recipe {experiment.Recipe}")}");

        if (experiment.Parameters.Count == 0) console.Line("parameters: none");
        else
        {
            var parameters = console.NewTable("Parameter", "Type", "Default", "Allowed", "Description");
            foreach (var p in experiment.Parameters)
                parameters.AddRow(Markup.Escape(p.Key), Markup.Escape(p.TypeName), Markup.Escape(p.DefaultText), Markup.Escape(Allowed(p)), Markup.Escape(p.Description ?? ""));
            console.Write(parameters);
        }

        if (experiment.Profiles.Count == 0) console.Line("profiles: none");
        else
        {
            var profiles = console.NewTable("Profile", "Settings");
            foreach (var profile in experiment.Profiles)
                profiles.AddRow(Markup.Escape(profile.Name), Markup.Escape(string.Join(", ", profile.Settings.Select(s => $"{s.Key}={s.Value}"))));
            console.Write(profiles);
        }
        return ExitCodes.Done;
    }

    /// <summary>"1 to 100", "at least 0", "greedy, top-k", or "" when anything of the type goes.</summary>
    public static string Allowed(ParameterSpec p)
    {
        if (p.Choices is { Count: > 0 } choices) return string.Join(", ", choices);
        string Number(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        return (p.Min, p.Max) switch
        {
            ({ } min, { } max) => $"{Number(min)} to {Number(max)}",
            ({ } min, null) => $"at least {Number(min)}",
            (null, { } max) => $"at most {Number(max)}",
            _ => "",
        };
    }
}
