namespace LlmLab.Experiments;

/// <summary>
/// Parameters of the forgetting recipe: a base model fine-tuned on instruction tasks one after another, fully, with
/// LoRA, and with every task so far mixed in (multi-task), scored on every task after every stage.
/// </summary>
[Recipe("forgetting", typeof(ForgettingRecipe), Description = "Fine-tune on tasks in sequence (full, LoRA, multi-task) and score every task after every stage: accuracy matrix, average accuracy and backward transfer")]
public sealed record ForgettingConfig
{
    [Param(Description = "a saved model folder (an earlier run's model/); empty: pre-train one here")]
    public string BaseModel { get; init; } = "";
    [Param(Description = "pre-training steps when BaseModel is empty", Min = 1, Max = 10_000_000)] public int PretrainSteps { get; init; } = 600;
    [Param(Description = "tokenizer of a base model pre-trained here")] public TokenizerKind Tokenizer { get; init; } = TokenizerKind.Bpe;
    [Param(Description = "BPE vocabulary size of a base model pre-trained here", Min = 260, Max = 100_000)] public int VocabularySize { get; init; } = 2048;
    [Param(Description = "context of a base model pre-trained here, in tokens", Min = 16, Max = 4096)] public int Context { get; init; } = 256;
    [Param(Description = "share of the pre-training documents that are labelled task text", Min = 0, Max = 1)] public double LabelledText { get; init; } = 0.3;
    [Param(Description = "the tasks in the order they are learned, comma-separated")] public string Sequence { get; init; } = "slot-question,sentiment,arithmetic";
    [Param(Description = "optimizer steps of each stage", Min = 1, Max = 10_000_000)] public int StepsPerTask { get; init; } = 300;
    [Param(Description = "items per step", Min = 1, Max = 4096)] public int BatchSize { get; init; } = 8;
    [Param(Description = "peak learning rate of full fine-tuning", Min = 0, Max = 1)] public double LearningRate { get; init; } = 1e-3;
    [Param(Description = "peak learning rate of LoRA", Min = 0, Max = 1)] public double LoraLearningRate { get; init; } = 1e-2;
    [Param(Description = "LoRA rank r", Min = 1, Max = 4096)] public int LoraRank { get; init; } = 8;
    [Param(Description = "LoRA alpha", Min = 0.001, Max = 1e6)] public double LoraAlpha { get; init; } = 16;
    [Param(Description = "layers LoRA adapts")] public string TargetModules { get; init; } = "q_proj,k_proj,v_proj,o_proj";
    [Param(Description = "training items of each task, in its training templates", Min = 1, Max = 10_000_000)] public int TrainItems { get; init; } = 2000;
    [Param(Description = "test items per task", Min = 2, Max = 100_000)] public int Items { get; init; } = 30;
    [Param(Description = "longest generated answer, in tokens", Min = 1, Max = 4096)] public int MaxNewTokens { get; init; } = 24;
    [Param(Description = "a checkpoint every this many steps of each stage (0: every half, every quarter of pre-training)", Min = 0, Max = 10_000_000)] public int CheckpointInterval { get; init; }
}
