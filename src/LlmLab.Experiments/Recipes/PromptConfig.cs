using LlmLab.Data;

namespace LlmLab.Experiments;

/// <summary>
/// Parameters of the prompt recipe: a base model (a saved one, or pre-trained here with BPE, a 256-token context and
/// a share of labelled task text) prompted zero-, one- and few-shot on the instruction tasks.
/// </summary>
[Recipe("prompt", typeof(PromptRecipe), Description = "Prompt a base model zero-, one- and few-shot on the instruction tasks: scores against the number of shots")]
public sealed record PromptConfig
{
    [Param(Description = "a saved model folder (an earlier run's model/); empty: pre-train one here")]
    public string BaseModel { get; init; } = "";
    [Param(Description = "pre-training steps when BaseModel is empty", Min = 1, Max = 10_000_000)] public int PretrainSteps { get; init; } = 600;
    [Param(Description = "tokenizer of a base model pre-trained here")] public TokenizerKind Tokenizer { get; init; } = TokenizerKind.Bpe;
    [Param(Description = "BPE vocabulary size of a base model pre-trained here", Min = 260, Max = 100_000)] public int VocabularySize { get; init; } = 2048;
    [Param(Description = "context of a base model pre-trained here, in tokens (room for a few shots)", Min = 16, Max = 4096)] public int Context { get; init; } = 256;
    [Param(Description = "share of the pre-training documents that are labelled task text (reviews with a verdict, dialogues with their topic)", Min = 0, Max = 1)] public double LabelledText { get; init; } = 0.3;
    [Param(Description = "instruction tasks to prompt, comma-separated (summarize, sentiment, topic, slot-question, arithmetic, write-review)")] public string Tasks { get; init; } = "sentiment,topic,arithmetic,slot-question";
    [Param(Description = "numbers of shots, comma-separated")] public string Shots { get; init; } = "0,1,3";
    [Param(Description = "test items per task (from index 1,000,000,000 on; shots come from training items 0 .. 39 in the item's template)", Min = 1, Max = 100_000)] public int Items { get; init; } = 40;
    [Param(Description = "templates the test items are phrased with: Training, HeldOut or All (a base model has seen none of them)")] public TemplateSet Templates { get; init; } = TemplateSet.All;
    [Param(Description = "longest generated answer, in tokens", Min = 1, Max = 4096)] public int MaxNewTokens { get; init; } = 24;
    [Param(Description = "a checkpoint every this many pre-training steps (0: every quarter)", Min = 0, Max = 10_000_000)] public int CheckpointInterval { get; init; }
}
