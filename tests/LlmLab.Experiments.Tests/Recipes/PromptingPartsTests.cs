using LlmLab.Backends;
using LlmLab.Data;
using LlmLab.Prompting;

namespace LlmLab.Experiments.Tests;

/// <summary>
/// The parts of the prompting recipes (prompt, instruct, forgetting) that need no model: the corpus with labelled
/// text, the task and shot lists, the test items and shot pool, an instruction item's encoding, the forgetting
/// matrix's averages, heat map charts and the configuration errors caught before any training.
/// </summary>
public sealed class PromptingPartsTests : IDisposable
{
    private static readonly IBackend Cpu = Backend.Create("cpu");
    private readonly HostHarness _host = new();

    public void Dispose() => _host.Dispose();

    private ExperimentContext Context(string name) => new(name, 1, Cpu, Path.Combine(_host.Root, name), default);

    [Fact]
    public void Corpus_with_no_labelled_text_is_the_tour_corpus_document_for_document()
    {
        Assert.Equal(string.Join("\n\n", PretrainingCorpus.Generate(4, 300)), PretrainRecipe.Corpus(4, 300, 0, 0));
        Assert.Equal(string.Join("\n\n", PretrainingCorpus.Generate(4, 30, 1_000_000_000)), PretrainRecipe.Corpus(4, 30, 1_000_000_000, 0));
    }

    [Fact]
    public void Corpus_with_half_labelled_text_replaces_about_half_the_documents()
    {
        const int n = 400;
        // Document i of the corpus is a function of i alone, so the corpus is its one-document corpora joined.
        var documents = Enumerable.Range(0, n).Select(i => PretrainRecipe.Corpus(4, 1, i, 0.5)).ToArray();
        Assert.Equal(string.Join("\n\n", documents), PretrainRecipe.Corpus(4, n, 0, 0.5));
        var changed = Enumerable.Range(0, n).Where(i => documents[i] != PretrainingCorpus.Document(4, i)).ToArray();
        Assert.InRange(changed.Length, n / 2 - 50, n / 2 + 50);   // the standard deviation is 10
        Assert.All(changed, i => Assert.Equal(LabelledText.Document(4, i), documents[i]));
        Assert.All(changed, i => Assert.True(LabelledText.IsLabelled(4, i, 0.5)));
        Assert.Equal(changed.Length, Enumerable.Range(0, n).Count(i => LabelledText.IsLabelled(4, i, 0.5)));
    }

    [Fact]
    public void Average_accuracy_and_backward_transfer_of_a_matrix()
    {
        var matrix = new ForgettingMatrix("full fine-tuning", "full", [[0.8, 0, 0], [0.5, 0.9, 0], [0.2, 0.6, 0.7]]);
        Assert.Equal(0.5, matrix.AverageAccuracy, 12);
        Assert.Equal(((0.2 - 0.8) + (0.6 - 0.9)) / 2, matrix.BackwardTransfer, 12);
        Assert.Equal(-0.45, matrix.BackwardTransfer, 12);

        // Learning the second task improved the first: positive transfer.
        var better = new ForgettingMatrix("multi-task", "multitask", [[0.4, 0.1], [0.6, 0.8]]);
        Assert.Equal(0.7, better.AverageAccuracy, 12);
        Assert.Equal(0.2, better.BackwardTransfer, 12);
    }

    [Fact]
    public void Task_lists_keep_known_names_in_order_and_refuse_others()
    {
        Assert.Equal(["sentiment", "topic"], InstructionTaskList.Tasks(" sentiment, topic,sentiment ,", "Tasks"));
        Assert.Equal(InstructionGenerator.Tasks.Select(t => t.Name), InstructionTaskList.Tasks(string.Join(",", InstructionGenerator.Tasks.Select(t => t.Name)), "Tasks"));

        var unknown = Assert.Throws<ExperimentConfigException>(() => InstructionTaskList.Tasks("sentiment,sentimnet", "Tasks"));
        Assert.StartsWith("Tasks: unknown task 'sentimnet'", unknown.Message);
        Assert.Contains(string.Join(", ", InstructionGenerator.Tasks.Select(t => t.Name)), unknown.Message);
        Assert.Contains("Sequence", Assert.Throws<ExperimentConfigException>(() => InstructionTaskList.Tasks(" , ", "Sequence")).Message);
    }

    [Fact]
    public void Shot_lists_are_sorted_without_repeats_from_0_to_64()
    {
        Assert.Equal([0, 1, 3], InstructionTaskList.Shots("3,0,1,1", "Shots"));
        Assert.Equal([0, 64], InstructionTaskList.Shots("64, 0", "Shots"));
        foreach (string wrong in new[] { "-1", "x", "65", "1.5", "0,-1" })
        {
            var e = Assert.Throws<ExperimentConfigException>(() => InstructionTaskList.Shots(wrong, "BaseShots"));
            Assert.StartsWith("BaseShots: '", e.Message);
        }
        Assert.Throws<ExperimentConfigException>(() => InstructionTaskList.Shots("", "Shots"));
    }

    [Fact]
    public void Test_items_start_at_the_test_index_and_the_shot_pool_holds_none_of_them()
    {
        string[] tasks = ["sentiment", "topic", "arithmetic"];
        var items = InstructionTaskList.TestItems(3, tasks, 5, TemplateSet.All);
        Assert.Equal(tasks.SelectMany(t => Enumerable.Range(0, 5).Select(i => $"{t}-3-{InstructionGenerator.TestStart + i}")), items.Select(i => i.Id));
        Assert.Equal(InstructionGenerator.Generate(3, "topic", 5, InstructionGenerator.TestStart, TemplateSet.All).Select(i => (i.Id, i.Template, i.Input, i.Target)),
            items.Skip(5).Take(5).Select(i => (i.Id, i.Template, i.Input, i.Target)));
        Assert.All(InstructionTaskList.TestItems(3, tasks, 5, TemplateSet.HeldOut),
            i => Assert.Contains(i.Template, InstructionGenerator.Task(i.Task).HeldOutTemplates));

        var pool = InstructionTaskList.ShotPool(3, tasks);
        var testIds = InstructionTaskList.TestItems(3, tasks, 200, TemplateSet.All).Select(i => i.Id).ToHashSet();
        Assert.DoesNotContain(pool, p => testIds.Contains(p.Id));
        Assert.All(pool, p => Assert.True(long.Parse(p.Id.Split('-')[^1], System.Globalization.CultureInfo.InvariantCulture) < InstructionGenerator.TestStart, p.Id));
        Assert.Equal(tasks, pool.Select(p => p.Task).Distinct());
        // Every template of every task has shots, the held-out ones too, so a test item in any template can be prompted few-shot.
        var sampler = new FewShotSampler(pool);
        Assert.All(items, i => Assert.True(sampler.Available(i) >= 3, $"{i.Template}: {sampler.Available(i)} shots"));
        foreach (var task in tasks)
            Assert.Equal(InstructionGenerator.Task(task).Templates(TemplateSet.All).Order(), pool.Where(p => p.Task == task).Select(p => p.Template).Distinct().Order());
    }

    [Fact]
    public void An_item_encodes_as_its_input_then_space_target_and_a_blank_line()
    {
        string corpus = PretrainRecipe.Corpus(1, 300, 0, 0.3);
        foreach (var kind in new[] { TokenizerKind.Char, TokenizerKind.Bpe })
        {
            var tokenizer = CorpusTokenizer.Build(kind, 512, corpus, Path.Combine(_host.Root, kind.ToString()));
            foreach (var task in InstructionGenerator.Tasks)
            {
                foreach (var item in InstructionGenerator.Generate(1, task.Name, 4, InstructionGenerator.TestStart, TemplateSet.All))
                {
                    var (prompt, completion) = InstructionTraining.Encode(tokenizer, item);
                    Assert.Equal(item.Input, tokenizer.Decode(prompt));
                    Assert.Equal(" " + item.Target + InstructionTraining.EndOfAnswer, tokenizer.Decode(completion));
                    Assert.Equal(item.Input + " " + item.Target + "\n\n", tokenizer.Decode([.. prompt, .. completion]));
                }
            }
        }
    }

    [Fact]
    public void A_heat_map_is_a_png_with_the_first_row_at_the_top()
    {
        var chart = new ChartSpec("heat", "R[stage, task]", "task scored", "after stage", ChartKind.Heatmap,
            [new PlotSeries("1: a", [0, 1, 2], [0, 0, 0]), new PlotSeries("2: b", [0, 1, 2], [0.5, 0.5, double.NaN]), new PlotSeries("3: c", [0, 1, 2], [1, 1, 1])],
            ["a", "b", "c"]);
        ChartRenderer.Write(chart, _host.Root);
        string path = Path.Combine(_host.Root, "heat.png");
        Assert.True(PngTests.IsPng(path));
        // Without categories the columns are numbered; a ragged matrix leaves its missing cells empty.
        ChartRenderer.Write(chart with { Name = "plain", Categories = null, Series = [chart.Series[0], new PlotSeries("2: b", [0], [0.3])] }, _host.Root);
        Assert.True(PngTests.IsPng(Path.Combine(_host.Root, "plain.png")));
        // A matrix of one value (a quick run that learned nothing) has no range for the colours, and is drawn all the same.
        ChartRenderer.Write(chart with { Name = "flat", Series = [.. chart.Series.Select(s => s with { Y = [0.0, 0.0, 0.0] })] }, _host.Root);
        Assert.True(PngTests.IsPng(Path.Combine(_host.Root, "flat.png")));

        // Down a column through the cells (left of the colour bar), the first cell colour met is row 1's (0: Viridis
        // dark purple), the last row 3's (1: yellow), as the row labels on the left axis say.
        using var bitmap = SkiaSharp.SKBitmap.Decode(path);
        Assert.Equal((ChartRenderer.Width, ChartRenderer.Height), (bitmap.Width, bitmap.Height));
        static bool Purple(SkiaSharp.SKColor c) => c.Red < 90 && c.Green < 40 && c.Blue > 60 && c.Blue < 120;
        static bool Yellow(SkiaSharp.SKColor c) => c.Red > 200 && c.Green > 190 && c.Blue < 90;
        var column = Enumerable.Range(0, bitmap.Height).Select(y => bitmap.GetPixel(bitmap.Width * 3 / 10, y)).ToArray();
        int top = Array.FindIndex(column, c => Purple(c) || Yellow(c)), bottom = Array.FindLastIndex(column, c => Purple(c) || Yellow(c));
        Assert.True(top >= 0, "no cell colour in the column");
        Assert.True(Purple(column[top]), $"the top row's colour is {column[top]}");
        Assert.True(Yellow(column[bottom]), $"the bottom row's colour is {column[bottom]}");
    }

    [Fact]
    public void A_heat_map_recorded_by_a_step_reads_back_from_results_json()
    {
        var context = Context("heatmap");
        context.Heatmap("forgetting-full", "full: R[stage, task]", "task scored", "after stage", ["sentiment", "arithmetic"],
            [("1: sentiment", [0.75, 0.25]), ("2: arithmetic", [0.5, 1.0])]);

        var results = RunResults.Load(new RunPaths(context.RunFolder).Results);
        var chart = Assert.Single(results.Plots);
        Assert.Equal(ChartKind.Heatmap, chart.Kind);
        Assert.Equal(["sentiment", "arithmetic"], chart.Categories);
        Assert.Equal(["1: sentiment", "2: arithmetic"], chart.Series.Select(s => s.Label));
        Assert.Equal([0.5, 1.0], chart.Series[1].Y);
        Assert.Equal([0.0, 1.0], chart.Series[1].X);
        Assert.Equal(("full: R[stage, task]", "task scored", "after stage"), (chart.Title, chart.XLabel, chart.YLabel));

        // report.json lists it without its data: its kind and its columns' names.
        var json = ReportJsonCodec.Chart(chart, withData: false);
        Assert.Equal("heatmap", (string?)json["kind"]);
        Assert.Equal("plots/forgetting-full.png", (string?)json["file"]);
        Assert.Equal(["sentiment", "arithmetic"], json["categories"]!.AsArray().Select(c => (string?)c));
        Assert.Equal(ChartKind.Heatmap, ReportJsonCodec.ReadChart(json).Kind);
    }

    [Fact]
    public void A_forgetting_sequence_needs_two_tasks()
    {
        foreach (string sequence in new[] { "sentiment", "sentiment,sentiment" })
        {
            var e = Assert.Throws<ExperimentConfigException>(() => ForgettingRecipe.Run(new ForgettingConfig { Sequence = sequence }, Context("one-task")));
            Assert.StartsWith("Sequence: name at least two tasks", e.Message);
        }
        Assert.Contains("unknown task 'sentimant'", Assert.Throws<ExperimentConfigException>(
            () => ForgettingRecipe.Run(new ForgettingConfig { Sequence = "sentimant,topic" }, Context("unknown"))).Message);
    }

    [Fact]
    public void The_single_task_of_instruct_is_one_training_task()
    {
        var heldOut = Assert.Throws<ExperimentConfigException>(() => InstructRecipe.Run(new InstructConfig { SingleTask = "topic" }, Context("held-out")));
        Assert.StartsWith("SingleTask: 'topic' is held out of training", heldOut.Message);
        Assert.Contains("summarize, sentiment, slot-question, arithmetic, write-review", heldOut.Message);
        var two = Assert.Throws<ExperimentConfigException>(() => InstructRecipe.Run(new InstructConfig { SingleTask = "sentiment,arithmetic" }, Context("two")));
        Assert.Equal("SingleTask: name one task", two.Message);
        Assert.Throws<ExperimentConfigException>(() => InstructRecipe.Run(new InstructConfig { BaseShots = "0,x" }, Context("shots")));
        Assert.Throws<ExperimentConfigException>(() => PromptRecipe.Run(new PromptConfig { Shots = "65" }, Context("prompt-shots")));
    }
}
