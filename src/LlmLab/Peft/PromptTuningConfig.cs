namespace LlmLab.Peft;

/// <summary>peft's prompt_tuning_init: how the virtual tokens start.</summary>
public enum PromptTuningInit
{
    /// <summary>"RANDOM": N(0, 1) rows (torch.nn.Embedding's default).</summary>
    Random,
    /// <summary>"TEXT": the token embeddings of a text's ids, repeated or cut to the number of rows.</summary>
    Text,
    /// <summary>"SAMPLE_VOCAB": the token embeddings of ids drawn uniformly from the vocabulary.</summary>
    SampleVocab,
}

/// <summary>
/// peft's PromptTuningConfig: <see cref="NumVirtualTokens"/> learned embeddings ahead of the input, started as
/// <see cref="Init"/> says. <see cref="InitText"/> and <see cref="TokenizerNameOrPath"/> are recorded in the
/// adapter's config (peft's prompt_tuning_init_text, tokenizer_name_or_path); LlmLab takes the text's token ids from
/// the caller, who tokenises it (peft uses the tokenizer's own call, special tokens included).
/// </summary>
public sealed record PromptTuningConfig
{
    public int NumVirtualTokens { get; init; } = 20;
    public PromptTuningInit Init { get; init; } = PromptTuningInit.Random;
    public string? InitText { get; init; }
    public string? TokenizerNameOrPath { get; init; }

    public PromptTuningConfig Validate()
    {
        if (NumVirtualTokens < 1) throw new ArgumentException($"prompt tuning: num_virtual_tokens must be at least 1, got {NumVirtualTokens}");
        if (!Enum.IsDefined(Init)) throw new ArgumentException($"prompt tuning: unknown init {Init}");
        return this;
    }

    /// <summary>peft's spelling of an init ("RANDOM", "TEXT", "SAMPLE_VOCAB").</summary>
    public static string Name(PromptTuningInit init) => init switch
    {
        PromptTuningInit.Text => "TEXT",
        PromptTuningInit.SampleVocab => "SAMPLE_VOCAB",
        _ => "RANDOM",
    };

    public static PromptTuningInit Parse(string name) => name switch
    {
        "RANDOM" => PromptTuningInit.Random,
        "TEXT" => PromptTuningInit.Text,
        "SAMPLE_VOCAB" => PromptTuningInit.SampleVocab,
        _ => throw new ArgumentException($"prompt tuning: prompt_tuning_init must be RANDOM, TEXT or SAMPLE_VOCAB, got \"{name}\""),
    };
}
