using Lifecycle;
using LlmLab.Backends;
using LlmLab.Data;
using LlmLab.Experiments;
using LlmLab.Generation;
using LlmLab.Models;
using LlmLab.Tokenizers;
using LlmLab.Training;
using Spectre.Console;

// Pre-train a character-level GPT (nanoGPT's CPU configuration: 4 layers, 4 heads, width 128, context 64, batch 12)
// on the synthetic corpus, then continue a few prompts with the KV cache, streaming tokens as they come.
// Ctrl+C stops after a checkpoint; running again resumes. The generator-driven experiment host (issue 4) replaces
// this hand-written entry point.
TinyGptOptions options;
IBackend backend;
try
{
    options = TinyGptOptions.Parse(args);
    backend = Backend.Create(options.Backend);
}
catch (ArgumentException e)
{
    AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = !cancel.IsCancellationRequested;   // the first Ctrl+C stops cleanly, a second one kills
    cancel.Cancel();
};

string trainText = string.Join("\n\n", PretrainingCorpus.Generate(options.Seed, options.Documents));
string validationText = string.Join("\n\n", PretrainingCorpus.Generate(options.Seed, Math.Max(1, options.Documents / 10), start: 1_000_000_000));
var tokenizer = CharTokenizer.Build(trainText);
var config = new GptConfig { VocabularySize = tokenizer.VocabularySize, Context = 64, Layers = 4, Heads = 4, Width = 128 };
var gpt = new Gpt(backend, config, options.Seed);
AnsiConsole.MarkupLine($"[bold]tiny GPT[/]: {gpt.ParameterCount():N0} parameters, {tokenizer.VocabularySize} characters, " +
                       $"{trainText.Length:N0} training characters, backend {backend.Name}, seed {options.Seed}");

var trainingOptions = new TrainingOptions
{
    Steps = options.Steps, LearningRate = 1e-3f, MinLearningRate = 1e-4f, WarmupSteps = Math.Min(100, options.Steps / 10),
    EvaluationInterval = Math.Max(1, options.Steps / 8), EvaluationBatches = 20, CheckpointInterval = Math.Max(1, options.Steps / 4),
    LogInterval = Math.Max(1, options.Steps / 40),
};
TrainingResult result;
try
{
    using var trainer = new Trainer(backend, gpt, (tape, b) => gpt.Loss(tape, b.Inputs, b.Targets), trainingOptions,
        new CausalLmBatches(tokenizer.Encode(trainText), config.Context, 12, options.Seed),
        new CausalLmBatches(tokenizer.Encode(validationText), config.Context, 12, options.Seed, "validation"), TrainerFiles.In(options.Out));
    result = TrainingConsole.Train(trainer, cancel.Token);
}
catch (Exception e) when (e is TrainingDivergedException or InvalidDataException)
{
    AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
    return 1;
}
if (result.Interrupted)
{
    AnsiConsole.MarkupLine($"[yellow]stopped at step {result.Step}; run the same command again to resume from {Markup.Escape(result.LastCheckpoint ?? options.Out)}[/]");
    return 130;
}
string modelFolder = Path.Combine(options.Out, "model");
GptFiles.Save(gpt, modelFolder);
tokenizer.Save(modelFolder);
AnsiConsole.MarkupLine($"validation loss {result.LastValidationLoss:F4} after {result.Step} steps; model saved to {Markup.Escape(modelFolder)}");

string[] prompts = ["#Person1#: Hi, I'd like to book", "Summary: #Person2# ", "How to make a cup of tea:\n1."];
var settings = new (string Name, SamplingOptions Sampling)[]
{
    ("greedy", SamplingOptions.GreedyDecoding),
    ("temperature 0.8, top-k 40, top-p 0.95", new SamplingOptions { Temperature = 0.8f, TopK = 40, TopP = 0.95f }),
};
foreach (var (name, sampling) in settings)
{
    AnsiConsole.MarkupLine($"\n[bold]{name}[/]");
    foreach (string prompt in prompts)
    {
        Console.Write(prompt);
        var streamer = new TextStreamer(tokenizer, Console.Write);
        Generator.Generate(gpt, [tokenizer.Encode(prompt)],
            new GenerationOptions { MaxNewTokens = 120, Sampling = sampling, Seed = options.Seed },
            (_, token) => streamer.Add(token));
        streamer.Flush();
        Console.WriteLine();
    }
}
return 0;
