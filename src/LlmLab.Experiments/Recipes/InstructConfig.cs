using LlmLab.Data;

namespace LlmLab.Experiments;

/// <summary>
/// Parameters of the instruct recipe: a base model, then single-task fine-tuning and multi-task instruction
/// fine-tuning (full and LoRA) on the tasks' training templates, all scored zero-shot on held-out templates and the
/// held-out task.
/// </summary>
[Recipe("instruct", typeof(InstructRecipe), Description = "Instruction fine-tuning on many tasks (FLAN) vs one task vs the base model prompted few-shot, scored zero-shot on held-out templates and a held-out task")]
public sealed record InstructConfig
{
    [Param(Description = "a saved model folder (an earlier run's model/); empty: pre-train one here")]
    public string BaseModel { get; init; } = "";
    [Param(Description = "pre-training steps when BaseModel is empty", Min = 1, Max = 10_000_000)] public int PretrainSteps { get; init; } = 600;
    [Param(Description = "tokenizer of a base model pre-trained here")] public TokenizerKind Tokenizer { get; init; } = TokenizerKind.Bpe;
    [Param(Description = "BPE vocabulary size of a base model pre-trained here", Min = 260, Max = 100_000)] public int VocabularySize { get; init; } = 2048;
    [Param(Description = "context of a base model pre-trained here, in tokens", Min = 16, Max = 4096)] public int Context { get; init; } = 256;
    [Param(Description = "share of the pre-training documents that are labelled task text", Min = 0, Max = 1)] public double LabelledText { get; init; } = 0.3;
    [Param(Description = "the one task of single-task fine-tuning")] public string SingleTask { get; init; } = "summarize";
    [Param(Description = "optimizer steps of each fine-tuning", Min = 1, Max = 10_000_000)] public int Steps { get; init; } = 500;
    [Param(Description = "items per step", Min = 1, Max = 4096)] public int BatchSize { get; init; } = 8;
    [Param(Description = "peak learning rate of full fine-tuning", Min = 0, Max = 1)] public double LearningRate { get; init; } = 1e-3;
    [Param(Description = "peak learning rate of LoRA", Min = 0, Max = 1)] public double LoraLearningRate { get; init; } = 1e-2;
    [Param(Description = "LoRA rank r", Min = 1, Max = 4096)] public int LoraRank { get; init; } = 8;
    [Param(Description = "LoRA alpha", Min = 0.001, Max = 1e6)] public double LoraAlpha { get; init; } = 16;
    [Param(Description = "layers LoRA adapts")] public string TargetModules { get; init; } = "q_proj,k_proj,v_proj,o_proj";
    [Param(Description = "training items (a mixture of the training tasks, or the single task), in their training templates", Min = 1, Max = 10_000_000)] public int TrainItems { get; init; } = 4000;
    [Param(Description = "test items per task and template set", Min = 2, Max = 100_000)] public int Items { get; init; } = 30;
    [Param(Description = "numbers of shots the base model is prompted with besides zero (its best score counts)")] public string BaseShots { get; init; } = "0,1,3";
    [Param(Description = "longest generated answer, in tokens", Min = 1, Max = 4096)] public int MaxNewTokens { get; init; } = 64;
    [Param(Description = "a checkpoint every this many steps of each training (0: every half, every quarter of pre-training)", Min = 0, Max = 10_000_000)] public int CheckpointInterval { get; init; }
}
