namespace LlmLab.Experiments;

/// <summary>
/// A model's loss, perplexity and bits per character on held-out corpus documents (ones no recipe trains or
/// validates on), beside a uniform guess, and a greedy continuation of a prompt.
/// </summary>
[Recipe("evaluate", typeof(EvaluateRecipe), Description = "Held-out loss, perplexity and bits per character of a model, and a greedy sample")]
public sealed record EvaluateConfig
{
    [Param(Description = "model/ folder of an earlier pretrain run (empty: pre-train one here)")] public string BaseModel { get; init; } = "";
    [Param(Description = "pre-training steps when BaseModel is empty", Min = 1, Max = 10_000_000)] public int PretrainSteps { get; init; } = 600;
    [Param(Description = "tokenizer of a model pre-trained here: char or bpe")] public TokenizerKind Tokenizer { get; init; } = TokenizerKind.Char;
    [Param(Description = "BPE vocabulary size of a model pre-trained here", Min = 260, Max = 100_000)] public int VocabularySize { get; init; } = 2048;
    [Param(Description = "a checkpoint every this many pre-training steps, and at the end (0: every quarter)", Min = 0, Max = 10_000_000)] public int CheckpointInterval { get; init; }
    [Param(Description = "held-out corpus documents scored (a few hundred characters each)", Min = 1, Max = 1_000_000)] public int Documents { get; init; } = 200;
    [Param(Description = "prompt of the greedy sample")] public string SamplePrompt { get; init; } = "Summary: #Person1#";
    [Param(Description = "tokens of the greedy sample (it also ends at a blank line)", Min = 1, Max = 100_000)] public int SampleLength { get; init; } = 120;
}
