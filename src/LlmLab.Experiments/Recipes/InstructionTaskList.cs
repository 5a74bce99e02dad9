using LlmLab.Data;

namespace LlmLab.Experiments;

/// <summary>Comma-separated lists in the prompting recipes' parameters: task names and numbers of shots.</summary>
public static class InstructionTaskList
{
    /// <summary>Task names, each one of <see cref="InstructionGenerator.Tasks"/>, in the given order, without repeats.</summary>
    public static IReadOnlyList<string> Tasks(string list, string parameter)
    {
        var names = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct().ToArray();
        if (names.Length == 0) throw new ExperimentConfigException($"{parameter}: name at least one task");
        var known = InstructionGenerator.Tasks.Select(t => t.Name).ToArray();
        foreach (var name in names)
            if (!known.Contains(name))
                throw new ExperimentConfigException($"{parameter}: unknown task '{name}' (the tasks: {string.Join(", ", known)})");
        return names;
    }

    /// <summary>Numbers of shots (0 or more each), ascending, without repeats.</summary>
    public static IReadOnlyList<int> Shots(string list, string parameter)
    {
        var shots = new SortedSet<int>();
        foreach (var part in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int k) || k > 64)
                throw new ExperimentConfigException($"{parameter}: '{part}' is not a number of shots from 0 to 64");
            shots.Add(k);
        }
        return shots.Count > 0 ? [.. shots] : throw new ExperimentConfigException($"{parameter}: give at least one number of shots");
    }

    /// <summary>Test items of each task (from <see cref="InstructionGenerator.TestStart"/>), tasks one after another.</summary>
    public static IReadOnlyList<InstructionExample> TestItems(ulong seed, IEnumerable<string> tasks, int count, TemplateSet templates) =>
        [.. tasks.SelectMany(t => InstructionGenerator.Generate(seed, t, count, InstructionGenerator.TestStart, templates))];

    /// <summary>The pool shots are drawn from: training items 0 .. 39 of each task, each in every template.</summary>
    public static IReadOnlyList<InstructionExample> ShotPool(ulong seed, IEnumerable<string> tasks) =>
        [.. tasks.SelectMany(t => InstructionGenerator.Task(t).Templates(TemplateSet.All)
            .SelectMany(template => Enumerable.Range(0, 40).Select(i => InstructionGenerator.Example(seed, t, i, template))))];
}
