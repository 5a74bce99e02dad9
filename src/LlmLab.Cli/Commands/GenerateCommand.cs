using System.Globalization;
using LlmLab.Backends;
using LlmLab.Cli.Engine;
using LlmLab.Generation;
using LlmLab.Models.HuggingFace;
using LlmLab.Quantization;

namespace LlmLab.Cli.Commands;

/// <summary>
/// <c>llmlab generate</c>: continues one prompt with a model folder as transformers' generate does
/// (<see cref="HfModel.Generate"/>): a decoder-only model returns the prompt and the new tokens, an encoder-decoder
/// model the decoder start token and the new tokens; generation stops after an end-of-sequence token, which is kept.
/// Greedy unless a sampling option is given; a seed fixes every draw. With <c>--adapter</c> the model is peft's
/// PeftModel: a prompt-tuning adapter is generated from by <see cref="SoftPromptGenerator"/>, bottleneck adapters (in
/// place) through the model's own KV-cached generation, a prefix-tuning adapter with its keys and values written
/// into the (decoder's) KV caches first (<see cref="SoftPromptGenerator.GeneratePrefixed"/>).
/// </summary>
public sealed class GenerateCommand : ICommand
{
    private static readonly string[] SamplingFlags = ["--temperature", "--top-k", "--top-p", "--min-p"];

    public string Name => "generate";

    public string Summary => "continue a prompt with a model folder (greedy or sampled, as transformers' generate)";

    public string Usage => $$"""
        usage: llmlab generate --model DIR [--adapter DIR] (--prompt TEXT | --prompt-ids 1,2,3) --max-new-tokens N [options]

          --model DIR              a Hugging Face model folder (or one written by 'llmlab quantize')
          --adapter DIR            an adapter folder to apply (adapter_config.json + adapter_model.safetensors), of
                                   peft_type {{AdapterLoader.Readable}}; LoRA over a quantised folder
                                   runs as QLoRA; a prompt-tuning adapter's virtual tokens go in front of the prompt
                                   (T5: of the encoder's input) and are not part of the output; a prefix-tuning
                                   adapter's keys and values go into the cache first (decoder-only models)
          --prompt TEXT            the prompt, encoded with the folder's tokenizer
          --prompt-ids IDS         the prompt as comma-separated token ids
          --max-new-tokens N       up to N new tokens (fewer when an end-of-sequence token comes first)

        decoding (greedy unless --temperature, --top-k, --top-p or --min-p is given):
          --greedy                 the most likely token each step (the default)
          --temperature T          divide the logits by T before sampling (0 means greedy)
          --top-k K                sample among the K most likely tokens (0: off)
          --top-p P                ... among the smallest set whose probability reaches P (1: off)
          --min-p M                ... among tokens at least M times as likely as the most likely one (0: off)
          --repetition-penalty R   transformers' repetition penalty over the tokens so far (1: off; greedy too)
          --seed S                 fixes every draw (default 0)

        output:
          --format text|json       the decoded text (default; needs the folder's tokenizer) or {"tokens": [...]}
        {{BackendOption.Help}}

        The output holds the prompt and the new tokens for a decoder-only model, the decoder start token and the
        new tokens for an encoder-decoder model, as transformers' generate returns them.

        """;

    public int Run(IReadOnlyList<string> args, CliContext context)
    {
        var options = new OptionParser()
            .Single(ModelFolder.ModelOption).Single(ModelFolder.AdapterOption).Single("--prompt").Single("--prompt-ids").Single("--max-new-tokens")
            .Flag("--greedy").Single("--temperature").Single("--top-k").Single("--top-p").Single("--min-p")
            .Single("--repetition-penalty").Single("--seed").Single("--format").Single(BackendOption.Name)
            .Parse(args);
        string folder = ModelFolder.Required(options);
        string? prompt = options.Value("--prompt"), promptIds = options.Value("--prompt-ids");
        if (prompt is not null && promptIds is not null) throw CliException.Usage("give either --prompt or --prompt-ids, not both");
        if (prompt is null && promptIds is null) throw CliException.Usage("no prompt: give --prompt TEXT or --prompt-ids 1,2,3");
        int maxNewTokens = (int)(options.Integer("--max-new-tokens", min: 1)
                                 ?? throw CliException.Usage("no --max-new-tokens given: how many tokens to generate at most"));
        string format = options.Value("--format") ?? "text";
        if (format is not ("text" or "json")) throw CliException.Usage($"unknown format '{format}' (choose text or json)");
        var generation = Options(options, maxNewTokens);
        int[]? ids = promptIds is null ? null : ParseIds(promptIds);

        using var backend = BackendOption.Create(options.Value(BackendOption.Name));
        var (model, _, softPrompt, prefix) = ModelFolder.Load(backend, folder, options.Value(ModelFolder.AdapterOption));
        if (model.Family == ModelFamily.EncoderOnly)   // say so before asking for a tokenizer it would not use
            throw new CliException($"{model.Architecture} is an encoder-only model: it scores tokens (forward) but does not generate");
        InferenceLayout.Interleave(model.Module);   // f32 weights in the layout decode steps stream fastest (same tokens)
        var tokenizer = prompt is not null ? TokenizerFolder.Load(folder, "--prompt needs; give --prompt-ids instead")
            : format == "text" ? TokenizerFolder.Load(folder, "--format text needs; give --format json for the token ids")
            : null;
        ids ??= UserErrors.Run(() => tokenizer!.Encode(prompt!));
        if (ids.Length == 0) throw new CliException("the prompt encodes to no tokens");
        foreach (int id in ids)
            if (id >= model.VocabularySize) throw new CliException($"prompt token {id} is outside the vocabulary of {model.VocabularySize}");

        int[] tokens = UserErrors.Run(() => softPrompt is not null ? SoftPromptGenerator.Generate(model, softPrompt, ids, generation)
            : prefix is not null ? SoftPromptGenerator.GeneratePrefixed(model, prefix, ids, generation)
            : model.Generate(ids, generation));
        if (format == "json")
            context.Out.WriteLine("{\"tokens\": [" + string.Join(", ", tokens.Select(t => t.ToString(CultureInfo.InvariantCulture))) + "]}");
        else
            context.Out.WriteLine(UserErrors.Run(() => tokenizer!.Decode(tokens)));
        context.Out.Flush();
        return 0;
    }

    private static GenerationOptions Options(OptionParser options, int maxNewTokens)
    {
        bool sampling = SamplingFlags.Any(o => options.Value(o) is not null);
        if (options.Has("--greedy") && sampling)
            throw CliException.Usage($"--greedy does not sample: drop {string.Join(", ", SamplingFlags.Where(o => options.Value(o) is not null))} or --greedy");
        var defaults = new SamplingOptions();
        var sampler = new SamplingOptions
        {
            Greedy = !sampling,
            Temperature = options.Number("--temperature") ?? defaults.Temperature,
            TopK = (int)(options.Integer("--top-k", min: 0) ?? defaults.TopK),
            TopP = options.Number("--top-p") ?? defaults.TopP,
            MinP = options.Number("--min-p") ?? defaults.MinP,
            RepetitionPenalty = options.Number("--repetition-penalty") ?? defaults.RepetitionPenalty,
        };
        UserErrors.Run(sampler.Validate);
        long seed = options.Integer("--seed", min: 0) ?? 0;
        return new GenerationOptions { MaxNewTokens = maxNewTokens, Sampling = sampler, Seed = (ulong)seed };
    }

    private static int[] ParseIds(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var ids = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out ids[i]))
                throw CliException.Usage($"--prompt-ids takes comma-separated token ids (0 or more), got '{parts[i]}'");
        return ids;
    }
}
