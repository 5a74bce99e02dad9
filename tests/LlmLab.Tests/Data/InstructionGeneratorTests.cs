using System.Text.RegularExpressions;
using LlmLab.Data;

namespace LlmLab.Tests.Data;

public partial class InstructionGeneratorTests
{
    private static readonly string[] TaskNames = ["summarize", "sentiment", "topic", "slot-question", "arithmetic", "write-review"];

    [Fact]
    public void The_six_tasks_come_in_order_with_their_metrics_and_one_held_out()
    {
        var tasks = InstructionGenerator.Tasks;
        Assert.Equal(TaskNames, tasks.Select(t => t.Name));
        Assert.Equal(
            [InstructionMetric.RougeL, InstructionMetric.Accuracy, InstructionMetric.Accuracy, InstructionMetric.ExactMatch,
             InstructionMetric.ExactMatch, InstructionMetric.RougeL],
            tasks.Select(t => t.Metric));
        Assert.Equal("topic", Assert.Single(tasks, t => t.HeldOut).Name);
        Assert.All(tasks, t => Assert.False(string.IsNullOrWhiteSpace(t.Description)));
        Assert.Same(tasks[3], InstructionGenerator.Task("slot-question"));
    }

    [Fact]
    public void Each_task_has_disjoint_training_and_held_out_templates_named_after_it()
    {
        foreach (var task in InstructionGenerator.Tasks)
        {
            Assert.True(task.TrainingTemplates.Count >= 3, task.Name);
            Assert.True(task.HeldOutTemplates.Count >= 1, task.Name);
            Assert.Empty(task.TrainingTemplates.Intersect(task.HeldOutTemplates));
            Assert.Equal([.. task.TrainingTemplates, .. task.HeldOutTemplates], task.Templates(TemplateSet.All));
            Assert.All(task.Templates(TemplateSet.All), name => Assert.StartsWith(task.Name + "/", name));
        }
        var all = InstructionGenerator.Tasks.SelectMany(t => t.Templates(TemplateSet.All)).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
    }

    [Fact]
    public void Unknown_tasks_and_templates_are_refused_by_name()
    {
        var e = Assert.Throws<ArgumentException>(() => InstructionGenerator.Example(1, "translate", 0, TemplateSet.Training));
        Assert.StartsWith("unknown instruction task 'translate' (the tasks are summarize, sentiment, topic, slot-question, arithmetic, write-review)", e.Message);
        Assert.Throws<ArgumentException>(() => InstructionGenerator.Generate(1, "translate", 3));
        Assert.Throws<ArgumentException>(() => InstructionGenerator.Mixture(1, ["sentiment", "translate"], 3));
        Assert.Throws<ArgumentException>(() => InstructionGenerator.Mixture(1, [], 3));
        Assert.Throws<ArgumentException>(() => InstructionGenerator.Task("Sentiment"));
        var t = Assert.Throws<ArgumentException>(() => InstructionGenerator.Example(1, "arithmetic", 0, "sentiment/label"));
        Assert.Contains("task 'arithmetic' has no template 'sentiment/label' (it has arithmetic/question, ", t.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => InstructionGenerator.Example(1, "arithmetic", -1, TemplateSet.All));
    }

    [Fact]
    public void An_item_is_a_pure_function_of_seed_task_and_index()
    {
        foreach (string task in TaskNames)
        {
            var items = InstructionGenerator.Generate(3, task, 120).ToList();
            AssertSameItems(items, InstructionGenerator.Generate(3, task, 120).ToList());
            AssertSameItem(items[73], InstructionGenerator.Generate(3, task, 5, start: 70).ElementAt(3));
            AssertSameItem(items[73], InstructionGenerator.Example(3, task, 73, TemplateSet.Training));
            Assert.Equal($"{task}-3-73", items[73].Id);
            Assert.Equal(Enumerable.Range(0, 120).Select(i => $"{task}-3-{i}"), items.Select(e => e.Id));
            // Different indices and seeds give different items (arithmetic has fewer distinct ones: 11 x 11 sums).
            double distinct = items.Select(e => e.Input + "\n" + e.Target).Distinct().Count() / 120.0;
            Assert.True(distinct >= (task == "arithmetic" ? 0.8 : 0.97), $"{task}: {distinct:P0} distinct");
            var other = InstructionGenerator.Generate(4, task, 120).ToList();
            int same = items.Zip(other).Count(p => p.First.Input == p.Second.Input && p.First.Target == p.Second.Target);
            Assert.True(same <= (task == "arithmetic" ? 12 : 2), $"{task}: {same} of 120 items equal across seeds");
        }
    }

    [Fact]
    public void The_template_is_the_first_draw_so_the_content_does_not_depend_on_the_set()
    {
        foreach (string task in TaskNames)
        {
            foreach (var set in new[] { TemplateSet.Training, TemplateSet.HeldOut, TemplateSet.All })
            {
                foreach (var item in InstructionGenerator.Generate(9, task, 20, start: InstructionGenerator.TestStart, templates: set))
                {
                    long index = long.Parse(item.Id[(item.Id.LastIndexOf('-') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
                    AssertSameItem(item, InstructionGenerator.Example(9, task, index, item.Template));
                }
            }
            // Rendering every template of one item: the same content (arithmetic: the same numbers) in each.
            var renderings = InstructionGenerator.Tasks.Single(t => t.Name == task).Templates(TemplateSet.All)
                .Select(t => InstructionGenerator.Example(9, task, 5, t)).ToList();
            if (task is "sentiment" or "topic" or "slot-question")
                Assert.Single(renderings.Select(e => e.Target).Distinct());
        }
    }

    [Fact]
    public void A_template_set_yields_only_its_templates_and_in_time_all_of_them()
    {
        foreach (var task in InstructionGenerator.Tasks)
        {
            foreach (var set in new[] { TemplateSet.Training, TemplateSet.HeldOut, TemplateSet.All })
            {
                var used = InstructionGenerator.Generate(2, task.Name, 300, templates: set).Select(e => e.Template).ToHashSet();
                Assert.Equal(task.Templates(set).ToHashSet(), used);
            }
        }
    }

    [Fact]
    public void Every_item_is_well_formed_for_lm_evaluation_harness()
    {
        foreach (var task in InstructionGenerator.Tasks)
        {
            foreach (var item in InstructionGenerator.Generate(17, task.Name, 300, templates: TemplateSet.All))
            {
                Assert.Equal(task.Name, item.Task);
                Assert.Equal(task.Metric, item.Metric);
                Assert.Contains(item.Template, task.Templates(TemplateSet.All));
                // The model sees Input + " " + Target: a cue at the end of the input, no white space around the target.
                Assert.True(":?=".Contains(item.Input[^1]), item.Input);
                Assert.NotEqual("", item.Target);
                Assert.Equal(item.Target.Trim(), item.Target);
                Assert.Null(InstructionFiles.Problem(item));
                Assert.Equal(task.Metric == InstructionMetric.Accuracy, item.IsMultipleChoice);
                if (item.IsMultipleChoice) Assert.Equal(item.Target, item.Options[item.Gold]);
                else Assert.Equal(-1, item.Gold);
            }
        }
        Assert.Equal(["positive", "negative", "neutral"], InstructionGenerator.Example(1, "sentiment", 0, TemplateSet.All).Options);
        Assert.Equal(DialogueSummaryGenerator.Topics, InstructionGenerator.Example(1, "topic", 0, TemplateSet.All).Options);
    }

    [Fact]
    public void Summarize_asks_for_the_reference_summary_of_a_dialogue_of_its_own_stream()
    {
        int fromFineTuning = 0;
        foreach (var item in InstructionGenerator.Generate(5, "summarize", 300, templates: TemplateSet.All))
        {
            long index = Index(item);
            var d = DialogueSummaryGenerator.Create(5, index, DataRandom.InstructionTextStream + 0, "");
            if (item.Template == "summarize/write-dialogue")
            {
                Assert.Equal(d.Dialogue, item.Target);
                Assert.Contains(d.Summary, item.Input);
            }
            else
            {
                Assert.Equal(d.Summary, item.Target);
                Assert.Contains(d.Dialogue, item.Input);
            }
            if (DialogueSummaryGenerator.Example(5, index).Dialogue == d.Dialogue) fromFineTuning++;
        }
        Assert.True(fromFineTuning <= 3, $"{fromFineTuning} of 300 dialogues repeat the fine-tuning set's");
        // The dialogue tasks do not share dialogues index for index either.
        int shared = Enumerable.Range(0, 300).Count(i =>
            Dialogue(InstructionGenerator.Example(5, "summarize", i, "summarize/tldr").Input) ==
            Dialogue(InstructionGenerator.Example(5, "topic", i, "topic/situation").Input));
        Assert.True(shared <= 3, $"{shared} of 300 dialogues shared by summarize and topic");
    }

    [Fact]
    public void Topic_answers_the_scenario_of_the_dialogue()
    {
        var items = InstructionGenerator.Generate(6, "topic", 600, templates: TemplateSet.All).ToList();
        foreach (var item in items)
        {
            var d = DialogueSummaryGenerator.Create(6, Index(item), DataRandom.InstructionTextStream + 2, "");
            Assert.Equal(d.Topic, item.Target);
            Assert.Contains(d.Dialogue, item.Input);
        }
        Assert.Equal(DialogueSummaryGenerator.Topics.ToHashSet(), items.Select(e => e.Target).ToHashSet());
    }

    [Fact]
    public void Sentiment_labels_are_a_third_each()
    {
        const int n = 3000;
        var items = InstructionGenerator.Generate(21, "sentiment", n).ToList();
        foreach (string label in new[] { "positive", "negative", "neutral" })
            Assert.InRange(items.Count(e => e.Target == label), (int)(0.30 * n), (int)(0.37 * n));
        Assert.True(items.Select(e => ReviewText(e)).Distinct().Count() >= n - 3, "reviews repeat");
    }

    [Fact]
    public void Neutral_reviews_are_lukewarm_and_the_others_keep_their_verdicts()
    {
        foreach (var item in InstructionGenerator.Generate(8, "sentiment", 600, templates: TemplateSet.All))
        {
            string text = ReviewText(item);
            bool lukewarm = Regex.IsMatch(text, @"(It does the job|[Nn]either great nor bad|Three stars from me|nothing more|I have mixed feelings about it|I will not remember it|Not bad, not great)\.$");
            Assert.Equal(item.Target == "neutral", lukewarm);
        }
    }

    [Fact]
    public void Write_review_asks_for_the_review_of_its_label_and_subject()
    {
        foreach (var item in InstructionGenerator.Generate(12, "write-review", 600, templates: TemplateSet.All))
        {
            string label = Assert.Single(new[] { "positive", "negative", "neutral" }, l => item.Input.Contains(l));
            var review = label == "neutral"
                ? NeutralReviews.Create(12, Index(item), DataRandom.InstructionTextStream + 5, "", out string subject)
                : ReviewGenerator.Create(12, Index(item), DataRandom.InstructionTextStream + 5, "", out subject);
            Assert.Equal(label, review.Label);
            Assert.Equal(review.Text, item.Target);
            Assert.Contains(subject, item.Input);
            // "a kettle" / "the film The Last Harbor": the review names what the instruction names.
            string named = subject.StartsWith("the film ", StringComparison.Ordinal) ? subject[9..] : subject[(subject.IndexOf(' ') + 1)..];
            Assert.Contains(named, item.Target);
        }
    }

    [Fact]
    public void Slot_questions_are_answered_by_a_value_the_dialogue_states()
    {
        var kinds = new HashSet<SlotKind>();
        foreach (var item in InstructionGenerator.Generate(14, "slot-question", 600, templates: TemplateSet.All))
        {
            var found = DialogueSlots.Find(item.Input);
            var answer = Assert.Single(found, v => v.Value == item.Target);
            kinds.Add(answer.Kind);
        }
        Assert.Equal(Enum.GetValues<SlotKind>().ToHashSet(), kinds);
    }

    [Fact]
    public void A_slot_question_asks_only_about_a_kind_the_summary_states_once()
    {
        var topics = new HashSet<string>();
        foreach (var d in DialogueSummaryGenerator.Generate(15, 3000))
        {
            foreach (var (answer, questions) in SlotQuestions.Askable(d))
            {
                Assert.Single(d.SummarySlots, s => s.Kind == answer.Kind);
                Assert.Contains(answer, d.SummarySlots);
                Assert.Contains(answer, d.DialogueSlotValues);
                Assert.NotEmpty(questions);
                Assert.All(questions, q => Assert.EndsWith("?", q));
                Assert.All(questions, q => Assert.Empty(DialogueSlots.Find(q)));
                topics.Add(d.Topic);
            }
        }
        // Every scenario but the job interview (two places, two amounts) has something to ask.
        Assert.Equal(DialogueSummaryGenerator.Topics.Where(t => t != "job interview").ToHashSet(), topics);
    }

    [Fact]
    public void Arithmetic_answers_are_right()
    {
        var templates = new HashSet<string>();
        foreach (var item in InstructionGenerator.Generate(19, "arithmetic", 1000, templates: TemplateSet.All))
        {
            int[] n = [.. Number().Matches(item.Input).Select(m => int.Parse(m.Value, System.Globalization.CultureInfo.InvariantCulture))];
            Assert.Equal(2, n.Length);
            int target = int.Parse(item.Target, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(target.ToString(System.Globalization.CultureInfo.InvariantCulture), item.Target);
            bool plus = Regex.IsMatch(item.Input, @"plus|\+|Add|add|gets|together");
            int expected = (item.Template, plus) switch
            {
                ("arithmetic/missing-number", true) => n[1] - n[0],   // add to a to get r
                ("arithmetic/missing-number", false) => n[0] - n[1],  // take away from a to get r
                ("arithmetic/instruction-first" or "arithmetic/how-much", false) => n[1] - n[0], // take b from a
                (_, true) => n[0] + n[1],
                (_, false) => n[0] - n[1],
            };
            Assert.Equal(expected, target);
            Assert.InRange(target, 0, 20);
            if (item.Template != "arithmetic/missing-number") Assert.All(n, x => Assert.InRange(x, 0, 10));
            templates.Add(item.Template);
        }
        Assert.Equal(6, templates.Count);
    }

    [Fact]
    public void A_mixture_draws_item_i_task_from_its_own_stream()
    {
        string[] tasks = ["summarize", "sentiment", "slot-question", "arithmetic", "write-review"];
        var mixture = InstructionGenerator.Mixture(7, tasks, 3000).ToList();
        AssertSameItems(mixture.Take(100).ToList(), InstructionGenerator.Mixture(7, tasks, 100).ToList());
        AssertSameItem(mixture[73], InstructionGenerator.Mixture(7, tasks, 5, start: 70).ElementAt(3));
        for (int i = 0; i < 200; i++)
            AssertSameItem(mixture[i], InstructionGenerator.Example(7, mixture[i].Task, i, TemplateSet.Training));
        // Five tasks, a fifth each: 3000 items, standard deviation 21.9; 5 sigma is 110.
        foreach (string task in tasks) Assert.InRange(mixture.Count(e => e.Task == task), 600 - 110, 600 + 110);
        Assert.All(InstructionGenerator.Mixture(7, tasks, 200, start: InstructionGenerator.TestStart, TemplateSet.HeldOut),
            e => Assert.Contains(e.Template, InstructionGenerator.Task(e.Task).HeldOutTemplates));
    }

    private static long Index(InstructionExample item) =>
        long.Parse(item.Id[(item.Id.LastIndexOf('-') + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The "#PersonN#: " lines of an input.</summary>
    private static string Dialogue(string input) => string.Join("\n", input.Split('\n').Where(l => l.StartsWith("#Person", StringComparison.Ordinal)));

    /// <summary>The review in a sentiment item's input: its one line that is not the instruction.</summary>
    private static string ReviewText(InstructionExample item)
    {
        string line = item.Input.Split('\n').Single(l => !l.Contains("positive, negative or neutral") && l is not ("Answer:" or "Sentiment:"));
        return line.StartsWith("Review: ", StringComparison.Ordinal) ? line[8..] : line;
    }

    /// <summary>Records compare Options by reference: compare them by content, the rest as the record does.</summary>
    internal static void AssertSameItem(InstructionExample expected, InstructionExample actual)
    {
        Assert.Equal(expected.Options, actual.Options);
        Assert.Equal(expected with { Options = actual.Options }, actual);
    }

    internal static void AssertSameItems(IReadOnlyList<InstructionExample> expected, IReadOnlyList<InstructionExample> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++) AssertSameItem(expected[i], actual[i]);
    }

    [GeneratedRegex(@"\d+")]
    private static partial Regex Number();
}
