namespace LlmLab.Experiments;

/// <summary>
/// Sampling strategies side by side on one trained model (Holtzman et al. 2020; Hugging Face's "How to generate
/// text"): greedy decoding, temperature sampling, top-k and top-p (nucleus) sampling, each continuing every prompt
/// <see cref="SamplesPerPrompt"/> times. Top-k and top-p sample at temperature 1, so each filter shows on its own.
/// </summary>
[Recipe("generate", typeof(GenerateRecipe), Description = "Greedy, temperature, top-k and top-p sampling on a trained model: distinct-n, repetition and samples")]
public sealed record GenerateConfig
{
    [Param(Description = "model/ folder of an earlier pretrain run (empty: pre-train one here)")] public string BaseModel { get; init; } = "";
    [Param(Description = "pre-training steps when BaseModel is empty", Min = 1, Max = 10_000_000)] public int PretrainSteps { get; init; } = 600;
    [Param(Description = "tokenizer of a model pre-trained here: char or bpe")] public TokenizerKind Tokenizer { get; init; } = TokenizerKind.Char;
    [Param(Description = "BPE vocabulary size of a model pre-trained here", Min = 260, Max = 100_000)] public int VocabularySize { get; init; } = 2048;
    [Param(Description = "a checkpoint every this many pre-training steps, and at the end (0: every quarter)", Min = 0, Max = 10_000_000)] public int CheckpointInterval { get; init; }
    [Param(Description = "prompts, separated by '|'")] public string Prompts { get; init; } = "#Person1#: Hi, I'd like to|Summary: #Person2#|How to make a cup of tea:";
    [Param(Description = "tokens generated per sample (a sample also ends at a blank line, the corpus's document break)", Min = 1, Max = 100_000)] public int MaxNewTokens { get; init; } = 160;
    [Param(Description = "samples per prompt and strategy (greedy's are all the same text)", Min = 1, Max = 1000)] public int SamplesPerPrompt { get; init; } = 4;
    [Param(Description = "strategies, a comma list of greedy, temperature, top-k, top-p")] public string Strategies { get; init; } = "greedy,temperature,top-k,top-p";
    [Param(Description = "softmax temperature of the temperature strategy", Min = 0.01, Max = 10)] public double Temperature { get; init; } = 0.8;
    [Param(Description = "tokens the top-k strategy keeps (sampling at temperature 1)", Min = 1, Max = 1_000_000)] public int TopK { get; init; } = 40;
    [Param(Description = "probability mass the top-p strategy keeps (sampling at temperature 1)", Min = 0.01, Max = 1)] public double TopP { get; init; } = 0.9;
}
