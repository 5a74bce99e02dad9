using System.Globalization;
using LlmLab.Cli.Engine;
using LlmLab.Cli.Eval;
using LlmLab.Data;
using LlmLab.IO;
using LlmLab.Prompting;

namespace LlmLab.Cli.Commands;

/// <summary>
/// <c>llmlab prompt-eval</c>: few-shot evaluation of a model folder on instruction items, as lm-evaluation-harness
/// runs multiple_choice and generate_until tasks (<see cref="PromptEvaluator"/>): per task and number of shots, the
/// mean of each metric with its standard error and 95% interval. The shots come from the tasks file itself.
/// Everything is read and checked before the model is loaded, and scored before anything is printed or written.
/// </summary>
public sealed class PromptEvalCommand : ICommand
{
    public string Name => "prompt-eval";

    public string Summary => "few-shot evaluation on JSONL tasks: acc/acc_norm, exact match, ROUGE-L (as lm-eval)";

    public string Usage => $$"""
        usage: llmlab prompt-eval --model DIR --tasks FILE.jsonl [options]

          --model DIR           a Hugging Face folder (gpt2, llama, t5) with its tokenizer, or an LlmLab GPT folder
                                (config.json, model.safetensors, tokenizer.json)
          --tasks FILE          JSON lines: {"id", "task", "template", "input", "target", "options": [...], "metric"}
                                ("options" for multiple choice; "metric" acc, exact_match or rouge_l); the shots
                                are drawn from the same file: other items of the same task and template
          --shots LIST          comma-separated shot counts (default 0), e.g. 0,1,5
          --seed N              the shot draw (default {{FewShotOptions.DefaultSeed}}, lm-eval's)
          --limit N             the first N items of each task (shots still come from the whole file)
          --description TEXT    text put before the shots (end it with a blank line if it needs one)
          --max-new-tokens N    the longest answer of a generation item (default {{new FewShotOptions().MaxNewTokens}})
          --by-template         a row per task and template
          --format json|table   JSON report (default) or a table
          --prompts FILE        write each item's exact prompt, shots and scores there (JSON lines, atomically)
        {{BackendOption.Help}}

        The prompt is the description, then each shot as input + " " + target + "\n\n", then the item's input.
        Multiple choice: each option's log-likelihood as " " + option after the prompt; acc takes the highest,
        acc_norm the highest per UTF-8 byte of the option. Generation: greedy until "\n\n", EOS or the token limit;
        exact match after trimming white space, or ROUGE-L F. Per task: mean, standard error (sample standard
        deviation / sqrt(n)), 95% interval mean ± 1.96 standard errors, n.
        Exit codes: 0 success, 2 bad input or arguments, 1 internal error.

        """;

    public int Run(IReadOnlyList<string> args, CliContext context)
    {
        var options = new OptionParser()
            .Single(ModelFolder.ModelOption).Single("--tasks").Single("--shots").Single("--seed").Single("--limit")
            .Single("--description").Single("--max-new-tokens").Flag("--by-template").Single("--format").Single("--prompts")
            .Single(BackendOption.Name)
            .Parse(args);
        string folder = options.Value(ModelFolder.ModelOption)
                        ?? throw CliException.Usage("no --model given: a Hugging Face or LlmLab GPT model folder");
        string tasksPath = options.Value("--tasks") ?? throw CliException.Usage("no --tasks given: a JSON lines file of items");
        int[] shots = ParseShots(options.Value("--shots") ?? "0");
        ulong seed = (ulong)(options.Integer("--seed", min: 0) ?? (long)FewShotOptions.DefaultSeed);
        int? limit = (int?)options.Integer("--limit", min: 1);
        int maxNewTokens = (int)(options.Integer("--max-new-tokens", min: 1) ?? new FewShotOptions().MaxNewTokens);
        string format = options.Value("--format") ?? "json";
        if (format is not ("json" or "table")) throw CliException.Usage($"unknown format '{format}' (choose json or table)");
        string? promptsPath = options.Value("--prompts");
        bool byTemplate = options.Has("--by-template");
        var fewShot = new FewShotOptions { Seed = seed, Description = options.Value("--description") ?? "", MaxNewTokens = maxNewTokens };

        var pool = CaseReader.ReadInstructions(tasksPath);
        var items = limit is { } n ? pool.GroupBy(i => i.Task).SelectMany(g => g.Take(n)).ToList() : pool;
        if (!Directory.Exists(folder)) throw new CliException($"{folder}: no such model folder");

        using var backend = BackendOption.Create(options.Value(BackendOption.Name));
        var model = UserErrors.Run(() => LanguageModels.Load(backend, folder));
        var evaluator = new PromptEvaluator(model);
        var sampler = new FewShotSampler(pool);
        var reports = UserErrors.Run(() => shots.Select(k => evaluator.Evaluate(items, sampler, fewShot with { Shots = k })).ToArray());

        var result = new PromptEvalResult(model.Name, model.MaxLength, tasksPath, seed, byTemplate, reports);
        if (promptsPath is not null) UserErrors.Run(() => AtomicFile.WriteAllText(promptsPath, PromptsFile.Write(reports)));
        context.Out.Write(format == "json" ? PromptJsonReport.Write(result) : PromptTableReport.Write(result, context.Width));
        context.Out.Flush();
        return 0;
    }

    private static int[] ParseShots(string text)
    {
        var shots = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int k))
                throw CliException.Usage($"--shots takes comma-separated shot counts (0 or more), got '{part}'");
            if (shots.Contains(k)) throw CliException.Usage($"--shots lists {k} twice");
            shots.Add(k);
        }
        return [.. shots];
    }
}
