using System.Text.Json;
using LlmLab.Backends;
using LlmLab.Data;
using LlmLab.Models;
using LlmLab.Prompting;
using LlmLab.Tokenizers;

namespace LlmLab.Cli.Tests;

/// <summary>
/// <c>llmlab prompt-eval</c> on the GPT-2 fixture with a tokenizer (and on an LlmLab GPT folder): the JSON and table
/// reports, the prompts file, agreement with the engine's <see cref="PromptEvaluator"/>, and the user errors.
/// </summary>
public class PromptEvalCommandTests
{
    private const string Tasks = """
        {"id": "c1", "task": "capitals", "template": "qa", "input": "Q: France?\nA:", "target": "Paris", "options": ["Paris", "Rome", "Oslo"]}
        {"id": "c2", "task": "capitals", "template": "qa", "input": "Q: Italy?\nA:", "target": "Rome", "options": ["Paris", "Rome", "Oslo"]}
        {"id": "c3", "task": "capitals", "template": "short", "input": "Norway:", "target": "Oslo", "options": ["Paris", "Rome", "Oslo"]}
        {"id": "c4", "task": "capitals", "template": "short", "input": "France:", "target": "Paris", "options": ["Paris", "Rome", "Oslo"]}
        {"id": "s1", "task": "sums", "input": "2+2=", "target": "4"}
        {"id": "s2", "task": "sums", "input": "3+4=", "target": "7", "metric": "rouge_l"}
        {"id": "s3", "task": "sums", "input": "1+1=", "target": "2"}
        """;

    private static JsonElement[] Results(CliResult r) => [.. JsonDocument.Parse(r.Succeeds().Out).RootElement.GetProperty("results").EnumerateArray()];

    [Fact]
    public void Json_reports_each_task_shots_and_metric_with_its_interval()
    {
        using var temp = new TempFolder();
        string folder = TokenizedModelFolder.Create(temp), tasks = temp.Write("tasks.jsonl", Tasks);
        var r = CliResult.Run("prompt-eval", "--model", folder, "--tasks", tasks, "--shots", "0,1", "--max-new-tokens", "4");
        var root = JsonDocument.Parse(r.Succeeds().Out).RootElement;
        Assert.Equal("gpt2-tiny-with-tokenizer", root.GetProperty("model").GetString());
        Assert.Equal(64, root.GetProperty("max_length").GetInt32());
        Assert.Equal(1234UL, root.GetProperty("seed").GetUInt64());
        var results = Results(r);
        Assert.Equal(
            [("capitals", 0, "acc"), ("capitals", 0, "acc_norm"), ("sums", 0, "exact_match"), ("sums", 0, "rouge_l"),
             ("capitals", 1, "acc"), ("capitals", 1, "acc_norm"), ("sums", 1, "exact_match"), ("sums", 1, "rouge_l")],
            results.Select(e => (e.GetProperty("task").GetString()!, e.GetProperty("shots").GetInt32(), e.GetProperty("metric").GetString()!)));
        foreach (var e in results)
        {
            double value = e.GetProperty("value").GetDouble();
            Assert.InRange(value, 0, 1);
            int n = e.GetProperty("n").GetInt32();
            Assert.Equal(e.GetProperty("metric").GetString() switch { "exact_match" => 2, "rouge_l" => 1, _ => 4 }, n);
            if (n == 1)
            {
                Assert.Equal(JsonValueKind.Null, e.GetProperty("stderr").ValueKind);
                continue;
            }
            double stderr = e.GetProperty("stderr").GetDouble();
            var ci = e.GetProperty("ci95").EnumerateArray().Select(x => x.GetDouble()).ToArray();
            Assert.Equal(value - 1.96 * stderr, ci[0], 12);
            Assert.Equal(value + 1.96 * stderr, ci[1], 12);
        }
        Assert.Equal(1, results[4].GetProperty("fewest_shots").GetInt32());

        // The engine, run directly, gives the same numbers.
        using var backend = Backend.Create("cpu");
        var items = JsonlLoader.LoadInstructions(tasks).ToArray();
        var report = new PromptEvaluator(LanguageModels.Load(backend, folder))
            .Evaluate(items, new FewShotSampler(items), new FewShotOptions { Shots = 1, MaxNewTokens = 4 });
        var summaries = report.Summaries();
        for (int i = 0; i < summaries.Count; i++) Assert.Equal(summaries[i].Mean, results[4 + i].GetProperty("value").GetDouble());
    }

    [Fact]
    public void The_prompts_file_holds_the_exact_prompt_of_every_item()
    {
        using var temp = new TempFolder();
        string folder = TokenizedModelFolder.Create(temp), tasks = temp.Write("tasks.jsonl", Tasks), prompts = Path.Combine(temp.Path, "prompts.jsonl");
        CliResult.Run("prompt-eval", "--model", folder, "--tasks", tasks, "--shots", "0,2", "--seed", "7", "--max-new-tokens", "3",
            "--description", "Answer.\n\n", "--prompts", prompts).Succeeds();
        var lines = File.ReadAllLines(prompts).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(14, lines.Length);
        var inputs = JsonlLoader.LoadInstructions(tasks).ToDictionary(i => i.Id);
        foreach (var line in lines)
        {
            var item = inputs[line.GetProperty("id").GetString()!];
            var shotIds = line.GetProperty("shot_ids").EnumerateArray().Select(s => s.GetString()!).ToArray();
            Assert.DoesNotContain(item.Id, shotIds);
            Assert.Equal(line.GetProperty("shots_requested").GetInt32() == 0 ? 0 : Math.Min(2, item.Task == "sums" ? 2 : 1), shotIds.Length);
            string expected = "Answer.\n\n" + string.Concat(shotIds.Select(id => inputs[id].Input + " " + inputs[id].Target + "\n\n")) + item.Input;
            Assert.Equal(expected, line.GetProperty("prompt").GetString());
            if (item.IsMultipleChoice)
            {
                var options = line.GetProperty("options").EnumerateArray().ToArray();
                Assert.Equal(item.Options, options.Select(o => o.GetProperty("option").GetString()));
                Assert.All(options, o => Assert.Equal(" " + o.GetProperty("option").GetString(), o.GetProperty("continuation").GetString()));
                Assert.True(line.TryGetProperty("acc", out _) && line.TryGetProperty("acc_norm", out _));
            }
            else
            {
                Assert.True(line.TryGetProperty("prediction", out _));
                Assert.True(line.TryGetProperty(item.Metric == InstructionMetric.RougeL ? "rouge_l" : "exact_match", out _));
            }
        }
    }

    [Fact]
    public void The_table_has_a_row_per_task_template_shots_and_metric()
    {
        using var temp = new TempFolder();
        string folder = TokenizedModelFolder.Create(temp), tasks = temp.Write("tasks.jsonl", Tasks);
        var r = CliResult.Run("prompt-eval", "--model", folder, "--tasks", tasks, "--shots", "3", "--by-template", "--limit", "2",
            "--max-new-tokens", "2", "--format", "table").Succeeds();
        foreach (string header in (string[])["task", "template", "shots", "metric", "value", "± stderr", "95% CI", "n"]) Assert.Contains(header, r.Out);
        // Table rows are indented; the notes below the table are not.
        var rows = r.Out.Split('\n').Where(l => l.StartsWith("  capitals", StringComparison.Ordinal) || l.StartsWith("  sums", StringComparison.Ordinal)).ToArray();
        // --limit 2 keeps c1, c2 (template qa) and s1, s2: capitals/qa acc and acc_norm, sums/default exact_match and rouge_l.
        Assert.Equal(4, rows.Length);
        Assert.Contains(rows, l => l.Contains("qa") && l.Contains("acc_norm"));
        Assert.DoesNotContain(rows, l => l.Contains("short"));
        Assert.Contains(rows, l => l.Contains("rouge_l") && l.Contains("N/A"));
        Assert.Contains("capitals/qa, 3 shots: the file holds fewer for some items (as few as 1)", r.Out);
    }

    [Fact]
    public void An_llmlab_gpt_folder_is_evaluated_too()
    {
        using var temp = new TempFolder();
        string folder = Path.Combine(temp.Path, "tiny-gpt");
        using var backend = Backend.Create("cpu");
        GptFiles.Save(new Gpt(backend, new GptConfig { VocabularySize = 80, Context = 32, Layers = 1, Heads = 2, Width = 16 }, seed: 3), folder);
        CharTokenizer.Build(Tasks).Save(folder);
        var results = Results(CliResult.Run("prompt-eval", "--model", folder, "--tasks", temp.Write("tasks.jsonl", Tasks), "--shots", "1", "--max-new-tokens", "2"));
        Assert.Equal(4, results.Length);
        Assert.Equal(32, JsonDocument.Parse(CliResult.Run("prompt-eval", "--model", folder, "--tasks", Path.Combine(temp.Path, "tasks.jsonl"), "--limit", "1")
            .Succeeds().Out).RootElement.GetProperty("max_length").GetInt32());
    }

    [Fact]
    public void Bad_input_is_one_line_and_exit_code_2()
    {
        using var temp = new TempFolder();
        string folder = TokenizedModelFolder.Create(temp), tasks = temp.Write("tasks.jsonl", Tasks), prompts = Path.Combine(temp.Path, "p.jsonl");
        string missing = Path.Combine(temp.Path, "missing.jsonl");
        CliResult.Run("prompt-eval", "--model", folder, "--tasks", missing).AssertUserError($"llmlab prompt-eval: cannot read '{missing}': no such file");
        string bad = temp.Write("bad.jsonl", "{\"input\": \"a\", \"target\": \"b\"}\n{\"input\": \"a\", \"target\"\n");
        CliResult.Run("prompt-eval", "--model", folder, "--tasks", bad, "--prompts", prompts).AssertUserError($"{bad} line 2: malformed JSON");
        string notAnOption = temp.Write("option.jsonl", "{\"input\": \"a\", \"target\": \"b\", \"options\": [\"c\"]}\n");
        CliResult.Run("prompt-eval", "--model", folder, "--tasks", notAnOption).AssertUserError("line 1: the target \"b\" is not one of the options");
        CliResult.Run("prompt-eval", "--model", folder, "--tasks", tasks, "--shots", "0,x").AssertUserError("--shots takes comma-separated shot counts (0 or more), got 'x'");
        CliResult.Run("prompt-eval", "--model", folder, "--tasks", tasks, "--shots", "-1").AssertUserError("got '-1'");
        CliResult.Run("prompt-eval", "--model", folder, "--tasks", tasks, "--shots", "1,1").AssertUserError("--shots lists 1 twice");
        CliResult.Run("prompt-eval", "--model", folder, "--tasks", tasks, "--format", "yaml").AssertUserError("unknown format 'yaml'");
        CliResult.Run("prompt-eval", "--model", folder).AssertUserError("no --tasks given");
        CliResult.Run("prompt-eval", "--tasks", tasks).AssertUserError("no --model given");
        CliResult.Run("prompt-eval", "--model", Path.Combine(temp.Path, "nope"), "--tasks", tasks).AssertUserError("no such model folder");
        CliResult.Run("prompt-eval", "--model", ModelFixtures.Folder("gpt2-tiny"), "--tasks", tasks).AssertUserError("has no tokenizer");
        CliResult.Run("prompt-eval", "--model", ModelFixtures.Folder("bert-tiny"), "--tasks", tasks).AssertUserError("encoder-only");
        Assert.False(File.Exists(prompts));
    }

    [Fact]
    public void Help_lists_the_command()
    {
        Assert.Contains("prompt-eval", CliResult.Run("--help").Out);
        var usage = CliResult.Run("prompt-eval", "--help");
        Assert.Equal(0, usage.ExitCode);
        Assert.StartsWith("usage: llmlab prompt-eval --model DIR --tasks FILE.jsonl", usage.Out);
    }
}
