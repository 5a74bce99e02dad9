namespace LlmLab.Data;

/// <summary>
/// A synthetic multi-task instruction set beside the dialogue and review generators, FLAN-style: six tasks with
/// exact answers or references (<see cref="Tasks"/>), each phrased by several instruction templates (the instruction
/// before the input, after it, as a question, or asking the reverse task), some templates and one whole task
/// ("topic") held out for evaluation only. Items are in lm-evaluation-harness's shape: the model sees
/// Input + " " + Target, so every input ends in a cue ("Summary:", "Answer:", "=", a question mark) and no target
/// starts with white space. Item i of a task is a pure function of (seed, task, i, template choice); training items
/// are indices from 0 and test items indices from <see cref="TestStart"/>. Each task draws its dialogues and reviews
/// from streams of its own, so it never repeats another task's texts, or the fine-tuning sets', draw for draw.
/// </summary>
public static partial class InstructionGenerator
{
    /// <summary>The first index of the test items (training items count from 0, so the two never meet).</summary>
    public const long TestStart = 1_000_000_000;

    /// <summary>The task of this name, or an ArgumentException that lists the task names.</summary>
    public static InstructionTask Task(string name) => Find(name).Definition.Task;

    /// <summary>
    /// Item <paramref name="index"/> of a task for this seed, phrased with a template drawn from
    /// <paramref name="templates"/> by the item's own random stream. The template is the item's first draw, so the
    /// item's content (its dialogue, review, numbers, question) does not depend on the template set:
    /// <c>Example(seed, task, i, set)</c> equals <c>Example(seed, task, i, itsTemplate)</c>.
    /// </summary>
    public static InstructionExample Example(ulong seed, string task, long index, TemplateSet templates)
    {
        var (number, definition) = Find(task);
        var names = definition.Task.Templates(templates);
        var r = ItemRandom(seed, number, index);
        return Render(seed, number, definition, index, names[r.Next(names.Count)], r);
    }

    /// <summary>Item <paramref name="index"/> of a task phrased with one named template (any of the task's, training
    /// or held out), for evaluating template by template.</summary>
    public static InstructionExample Example(ulong seed, string task, long index, string template)
    {
        var (number, definition) = Find(task);
        if (!definition.Task.Templates(TemplateSet.All).Contains(template))
        {
            throw new ArgumentException(
                $"task '{task}' has no template '{template}' (it has {string.Join(", ", definition.Task.Templates(TemplateSet.All))})",
                nameof(template));
        }
        var r = ItemRandom(seed, number, index);
        r.NextUInt(); // The draw that chooses a template from a set: the content is the same either way.
        return Render(seed, number, definition, index, template, r);
    }

    /// <summary>Items start .. start + count - 1 of a task for this seed (use <see cref="TestStart"/> as the start of
    /// a test set).</summary>
    public static IEnumerable<InstructionExample> Generate(ulong seed, string task, int count, long start = 0,
        TemplateSet templates = TemplateSet.Training)
    {
        Find(task);
        CheckRange(count, start);
        return Items();

        IEnumerable<InstructionExample> Items()
        {
            for (long i = start; i < start + count; i++) yield return Example(seed, task, i, templates);
        }
    }

    /// <summary>
    /// A multi-task mixture: item i's task is drawn uniformly from <paramref name="tasks"/> with a stream of its own
    /// (so item i is a pure function of (seed, i) for a given list) and the item is that task's item i.
    /// </summary>
    public static IEnumerable<InstructionExample> Mixture(ulong seed, IReadOnlyList<string> tasks, int count,
        long start = 0, TemplateSet templates = TemplateSet.Training)
    {
        if (tasks.Count == 0) throw new ArgumentException("name at least one task", nameof(tasks));
        string[] names = [.. tasks];
        foreach (string task in names) Find(task);
        CheckRange(count, start);
        return Items();

        IEnumerable<InstructionExample> Items()
        {
            for (long i = start; i < start + count; i++)
            {
                var r = new DataRandom(seed, (ulong)i, DataRandom.MixtureStream);
                yield return Example(seed, names[r.Next(names.Length)], i, templates);
            }
        }
    }

    private static InstructionExample Render(ulong seed, int number, Definition definition, long index, string template, DataRandom r)
    {
        var texts = new Texts(seed, index, DataRandom.InstructionTextStream + (uint)number);
        var (input, target) = definition.Render(template, r, texts);
        var task = definition.Task;
        return new InstructionExample($"{task.Name}-{seed}-{index}", task.Name, template, input, target, definition.Options, task.Metric);
    }

    private static DataRandom ItemRandom(ulong seed, int number, long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return new DataRandom(seed, (ulong)index, DataRandom.InstructionStream + (uint)number);
    }

    private static void CheckRange(int count, long start)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegative(start);
    }

    /// <summary>The task's place in the list (its stream offset) and definition.</summary>
    private static (int Number, Definition Definition) Find(string name)
    {
        for (int k = 0; k < Definitions.Length; k++)
            if (Definitions[k].Task.Name == name) return (k, Definitions[k]);
        throw new ArgumentException(
            $"unknown instruction task '{name}' (the tasks are {string.Join(", ", Definitions.Select(d => d.Task.Name))})", nameof(name));
    }

    /// <summary>The texts an item is about, from its task's text streams.</summary>
    private readonly record struct Texts(ulong Seed, long Index, uint Stream)
    {
        /// <summary>Attempt a of the item's dialogue (a task that needs a dialogue with some property draws again).</summary>
        public DialogueExample Dialogue(int attempt = 0) =>
            DialogueSummaryGenerator.Create(Seed, Index, Stream + 256u * (uint)attempt, "");

        /// <summary>A neutral review, or a positive or negative one (as the review generator draws it).</summary>
        public ReviewExample Review(bool neutral, out string subject) => neutral
            ? NeutralReviews.Create(Seed, Index, Stream, "", out subject)
            : ReviewGenerator.Create(Seed, Index, Stream, "", out subject);
    }

    /// <summary>One instruction template: its name and how it phrases an item's content as (input, target).</summary>
    private sealed record Template<T>(string Name, Func<T, (string Input, string Target)> Render);

    /// <summary>A task: its description, its options, and how to draw an item's content and phrase it.</summary>
    private abstract class Definition(InstructionTask task, IReadOnlyList<string> options)
    {
        public InstructionTask Task { get; } = task;

        public IReadOnlyList<string> Options { get; } = options;

        /// <summary>Draws the item's content (from <paramref name="r"/> and <paramref name="texts"/>) and phrases it
        /// with the named template.</summary>
        public abstract (string Input, string Target) Render(string template, DataRandom r, Texts texts);
    }

    private sealed class Definition<T>(
        string name, InstructionMetric metric, string description, bool heldOut, IReadOnlyList<string> options,
        Func<DataRandom, Texts, T> draw, Template<T>[] training, Template<T>[] heldOutTemplates)
        : Definition(new InstructionTask(name, metric, description, heldOut,
            [.. training.Select(t => t.Name)], [.. heldOutTemplates.Select(t => t.Name)]), options)
    {
        public override (string Input, string Target) Render(string template, DataRandom r, Texts texts)
        {
            T content = draw(r, texts);
            return training.Concat(heldOutTemplates).Single(t => t.Name == template).Render(content);
        }
    }
}
