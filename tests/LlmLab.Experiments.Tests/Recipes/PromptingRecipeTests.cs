using System.Text.Json.Nodes;
using LlmLab.Data;

namespace LlmLab.Experiments.Tests;

/// <summary>
/// The prompt, instruct and forgetting recipes run through the host with settings as small as their YAML quick
/// profiles (a base model pre-trained here for a few steps, a handful of items, two steps per fine-tuning): what each
/// records, prompts.jsonl, the forgetting heat maps, and the same report for the same seed.
/// </summary>
[Collection("recipes")]
public sealed class PromptingRecipeTests : IDisposable
{
    private readonly HostHarness _host = new();

    public void Dispose() => _host.Dispose();

    // The quick profiles of experiments/Lifecycle/in-context-learning, instruction-tuning and catastrophic-forgetting;
    // instruct and forgetting with 2 pre-training steps (not 20), 2 steps per fine-tuning (not 4 or 3) and batches of 4
    // (not 8): at their context of 256 tokens every step and validation takes a good part of a second on two cores.
    private static readonly PromptConfig QuickPrompt = new() { PretrainSteps = 20, VocabularySize = 512, Context = 128, Shots = "0,1", Items = 3, MaxNewTokens = 6 };

    private static readonly InstructConfig QuickInstruct = new()
    {
        PretrainSteps = 2, VocabularySize = 512, Steps = 2, BatchSize = 4, SingleTask = "sentiment", TrainItems = 60, Items = 2, BaseShots = "0,1", MaxNewTokens = 6,
    };

    private static readonly ForgettingConfig QuickForgetting = new()
    {
        PretrainSteps = 2, VocabularySize = 512, StepsPerTask = 2, BatchSize = 4, TrainItems = 40, Items = 2, MaxNewTokens = 6,
    };

    private static Dictionary<string, double> Summaries(string folder) =>
        RunResults.Load(new RunPaths(folder).Results).Summaries.ToDictionary(s => s.Key, s => RecipeRuns.Number(s.Value));

    /// <summary>prompts.jsonl, a JSON object a line, each with the model's label and the prompt it was given.</summary>
    private static List<JsonObject> Prompts(string folder)
    {
        var lines = File.ReadAllLines(Path.Combine(folder, PromptScores.FileName));
        var records = lines.Select(l => Assert.IsType<JsonObject>(JsonNode.Parse(l))).ToList();
        Assert.All(records, r => Assert.False(string.IsNullOrEmpty((string?)r["model"])));
        Assert.All(records, r => Assert.False(string.IsNullOrEmpty((string?)r["prompt"])));
        return records;
    }

    [Fact]
    public void Prompt_scores_every_task_at_every_number_of_shots_and_is_the_same_for_the_same_seed()
    {
        var experiment = RecipeRuns.Experiment("prompt-quick", c => PromptRecipe.Run(QuickPrompt, c));
        string first = RecipeRuns.Run(_host, experiment, 2, "a");
        string again = RecipeRuns.Run(_host, experiment, 2, "b");

        string[] tasks = ["sentiment", "topic", "arithmetic", "slot-question"];
        var summary = Summaries(first);
        var table = RecipeRuns.Table(first, "prompt: score by number of shots");
        Assert.Equal(["task", "metric", "items", "0-shot", "0-shot ±95%", "1-shot", "1-shot ±95%"], table.Columns);
        Assert.Equal(tasks, table.Rows.Select(r => r[0].ToString()));
        Assert.Equal(["acc", "acc", "exact_match", "exact_match"], table.Rows.Select(r => r[1].ToString()));
        foreach (var row in table.Rows)
        {
            Assert.Equal(QuickPrompt.Items, RecipeRuns.Number(row[2]));
            Assert.Equal(summary[$"{row[0]} 0-shot"], RecipeRuns.Number(row[3]));
            Assert.Equal(summary[$"{row[0]} 1-shot"], RecipeRuns.Number(row[5]));
            Assert.InRange(RecipeRuns.Number(row[3]), 0, 1);
            Assert.InRange(RecipeRuns.Number(row[5]), 0, 1);
        }
        // The gain is over the multiple-choice tasks, in points.
        Assert.Equal(100 * new[] { "sentiment", "topic" }.Average(t => summary[$"{t} 1-shot"] - summary[$"{t} 0-shot"]),
            summary["classification few-shot gain"], 9);
        Assert.StartsWith("From 0 to 1 shots: sentiment acc ", table.Sentence);

        var plot = Assert.Single(RunResults.Load(new RunPaths(first).Results).Plots, p => p.Name == "prompt-shots");
        Assert.Equal(tasks, plot.Series.Select(s => s.Label));
        Assert.All(plot.Series, s => Assert.Equal([0.0, 1.0], s.X));
        Assert.True(PngTests.IsPng(Path.Combine(first, "plots", "prompt-shots.png")));

        // A line per item and number of shots, the shots other training items of the item's task and template.
        var records = Prompts(first);
        Assert.Equal(tasks.Length * QuickPrompt.Items * 2, records.Count);
        Assert.All(records, r => Assert.Equal("base", (string?)r["model"]));
        var items = InstructionTaskList.TestItems(2, tasks, QuickPrompt.Items, TemplateSet.All).ToDictionary(i => i.Id);
        foreach (var r in records)
        {
            var item = items[(string)r["id"]!];
            Assert.Equal(item.Template, (string?)r["template"]);
            var shotIds = r["shot_ids"]!.AsArray().Select(s => (string)s!).ToArray();
            Assert.Equal((int)r["shots"]!, shotIds.Length);
            Assert.All(shotIds, s => Assert.StartsWith(item.Task + "-2-", s));
            Assert.DoesNotContain(item.Id, shotIds);
            if ((int)r["truncated_context_tokens"]! == 0) Assert.EndsWith(item.Input, (string)r["prompt"]!);
        }
        Assert.Equal(tasks.Length * QuickPrompt.Items, records.Count(r => (int)r["shots_requested"]! == 1));
        Assert.Contains(records, r => (int)r["shots"]! == 1);

        // The same seed: the same report, the same prompts and answers.
        Assert.Equal(RecipeRuns.ScrubbedReport(first), RecipeRuns.ScrubbedReport(again));
        Assert.Equal(File.ReadAllText(Path.Combine(first, PromptScores.FileName)), File.ReadAllText(Path.Combine(again, PromptScores.FileName)));
        Assert.Equal(summary, Summaries(again));
    }

    [Fact]
    public void Instruct_compares_three_fine_tunings_with_the_base_model_on_held_out_templates_and_the_held_out_task()
    {
        var experiment = RecipeRuns.Experiment("instruct-quick", c => InstructRecipe.Run(QuickInstruct, c));
        string folder = RecipeRuns.Run(_host, experiment, 3, "a");

        var summary = Summaries(folder);
        string[] models = ["base", "single-task", "multi-task", "multi-task LoRA"];
        foreach (var key in models)
        {
            Assert.InRange(summary[$"{key} zero-shot, held-out templates"], 0, 1);
            Assert.InRange(summary[$"{key} zero-shot, topic (held-out task)"], 0, 1);
        }
        Assert.True(summary.ContainsKey("multi-task zero-shot, held-out templates"));
        // The best of 0 and 1 shots, task by task, is at least the zero-shot score.
        Assert.True(summary["base best few-shot, held-out templates"] >= summary["base zero-shot, held-out templates"]);

        var scores = RecipeRuns.Table(folder, "instruct: zero-shot scores on held-out templates and the held-out task");
        Assert.Equal(["model", "summarize (rouge_l)", "sentiment (acc)", "slot-question (exact_match)", "arithmetic (exact_match)", "write-review (rouge_l)",
            "mean, held-out templates", "topic (acc, held-out task)"], scores.Columns);
        Assert.Equal(["base, 0-shot", "base, 1-shot", "base, best of those per task", "single-task (sentiment), full", "multi-task, full", "multi-task, LoRA"],
            scores.Rows.Select(r => r[0].ToString()));
        foreach (var row in scores.Rows)
            Assert.Equal(Enumerable.Range(1, 5).Average(c => RecipeRuns.Number(row[c])), RecipeRuns.Number(row[6]), 12);
        Assert.Equal(summary["multi-task zero-shot, held-out templates"], RecipeRuns.Number(scores.Rows[4][6]), 12);
        Assert.Equal(summary["base best few-shot, held-out templates"], RecipeRuns.Number(scores.Rows[2][6]), 12);

        var tunings = RecipeRuns.Table(folder, "instruct: fine-tunings");
        Assert.Equal(["single-task (sentiment), full", "multi-task, full", "multi-task, LoRA"], tunings.Rows.Select(r => r[0].ToString()));
        Assert.Equal(RecipeRuns.Number(tunings.Rows[0][1]), RecipeRuns.Number(tunings.Rows[1][1]));
        Assert.InRange(RecipeRuns.Number(tunings.Rows[2][1]), 1, RecipeRuns.Number(tunings.Rows[1][1]) / 4);

        // Test items: 2 of each training task in held-out templates and 2 of the held-out task; the base model twice.
        var records = Prompts(folder);
        Assert.Equal(["base", "single", "multitask", "multitask-lora"], records.Select(r => (string)r["model"]!).Distinct());
        Assert.Equal(6 * QuickInstruct.Items * 5, records.Count);
        Assert.All(records.Where(r => (string?)r["task"] != "topic"),
            r => Assert.Contains((string)r["template"]!, InstructionGenerator.Task((string)r["task"]!).HeldOutTemplates));
        Assert.All(records.Where(r => (string?)r["model"] != "base"), r => Assert.Equal(0, (int)r["shots_requested"]!));
    }

    [Fact]
    public void Forgetting_records_a_matrix_its_heat_map_and_backward_transfer_for_each_method()
    {
        var experiment = RecipeRuns.Experiment("forgetting-quick", c => ForgettingRecipe.Run(QuickForgetting, c));
        string folder = RecipeRuns.Run(_host, experiment, 4, "a");

        string[] tasks = ["slot-question", "sentiment", "arithmetic"];
        var summary = Summaries(folder);
        var results = RunResults.Load(new RunPaths(folder).Results);
        foreach (var (name, stage) in new[] { ("full fine-tuning", "full"), ("LoRA", "lora"), ("multi-task", "multitask") })
        {
            var table = RecipeRuns.Table(folder, $"forgetting: {name}, score on each task after each stage");
            Assert.Equal(["after", "slot-question (exact_match)", "sentiment (acc)", "arithmetic (exact_match)"], table.Columns);
            Assert.Equal(["base model", "stage 1: slot-question", "stage 2: sentiment", "stage 3: arithmetic"], table.Rows.Select(r => r[0].ToString()));
            double[][] rows = [.. table.Rows.Skip(1).Select(r => r.Skip(1).Select(RecipeRuns.Number).ToArray())];
            var matrix = new ForgettingMatrix(name, stage, rows);
            Assert.Equal(matrix.BackwardTransfer, summary[$"{stage} BWT"], 12);
            Assert.Equal(matrix.AverageAccuracy, summary[$"{stage} average accuracy"], 12);

            var heatmap = Assert.Single(results.Plots, p => p.Name == $"forgetting-{stage}");
            Assert.Equal(ChartKind.Heatmap, heatmap.Kind);
            Assert.Equal(tasks, heatmap.Categories);
            Assert.Equal(["1: slot-question", "2: sentiment", "3: arithmetic"], heatmap.Series.Select(s => s.Label));
            Assert.Equal(rows, heatmap.Series.Select(s => s.Y.ToArray()));
            Assert.True(PngTests.IsPng(Path.Combine(folder, "plots", $"forgetting-{stage}.png")), stage);
        }
        // The base model's row is the same in the three tables: one base, scored once.
        Assert.Single(new[] { "full fine-tuning", "LoRA", "multi-task" }
            .Select(n => string.Join(",", RecipeRuns.Table(folder, $"forgetting: {n}, score on each task after each stage").Rows[0].Skip(1))).Distinct());
        var averages = RecipeRuns.Table(folder, "forgetting: average accuracy and backward transfer");
        Assert.Equal(["full fine-tuning", "LoRA", "multi-task"], averages.Rows.Select(r => r[0].ToString()));
        Assert.Equal(summary["lora BWT"], RecipeRuns.Number(averages.Rows[1][2]), 12);

        var report = JsonNode.Parse(File.ReadAllText(new RunPaths(folder).ReportJson))!;
        var plots = report["plots"]!.AsArray().Where(p => (string?)p!["kind"] == "heatmap").ToArray();
        Assert.Equal(["plots/forgetting-full.png", "plots/forgetting-lora.png", "plots/forgetting-multitask.png"], plots.Select(p => (string?)p!["file"]));
        Assert.All(plots, p => Assert.Equal(tasks, p!["categories"]!.AsArray().Select(c => (string?)c)));

        // The base model, then each method after each stage, every test item zero-shot.
        var records = Prompts(folder);
        Assert.Equal(10 * tasks.Length * QuickForgetting.Items, records.Count);
        Assert.Equal(["base", "full after slot-question", "full after sentiment", "full after arithmetic", "lora after slot-question", "lora after sentiment",
            "lora after arithmetic", "multitask after slot-question", "multitask after sentiment", "multitask after arithmetic"],
            records.Select(r => (string)r["model"]!).Distinct());
    }
}
