using LlmLab.Nn;

namespace LlmLab.Experiments;

/// <summary>
/// Parameters of the peft recipe: one base model (a saved one, or pre-trained here with BPE and a 256-token
/// context), fine-tuned with each method on each of two instruction tasks with the same number of steps, and a
/// LoRA sweep over rank and the layers it adapts.
/// </summary>
[Recipe("peft", typeof(PeftMethodsRecipe), Description = "Compare PEFT methods (LoRA, QLoRA, BitFit, IA3, adapters, prompt and prefix tuning) with full fine-tuning on the same data and steps: score against trainable parameters")]
public sealed record PeftMethodsConfig
{
    [Param(Description = "a saved model folder (an earlier run's model/); empty: pre-train one here")]
    public string BaseModel { get; init; } = "";
    [Param(Description = "pre-training steps when BaseModel is empty", Min = 1, Max = 10_000_000)] public int PretrainSteps { get; init; } = 600;
    [Param(Description = "tokenizer of a base model pre-trained here")] public TokenizerKind Tokenizer { get; init; } = TokenizerKind.Bpe;
    [Param(Description = "BPE vocabulary size of a base model pre-trained here", Min = 260, Max = 100_000)] public int VocabularySize { get; init; } = 2048;
    [Param(Description = "context of a base model pre-trained here, in tokens", Min = 16, Max = 4096)] public int Context { get; init; } = 256;
    [Param(Description = "share of the pre-training documents that are labelled task text (reviews with a verdict: the base model knows the label words, which the methods that cannot change embeddings need)", Min = 0, Max = 1)] public double LabelledText { get; init; } = 0.3;
    [Param(Description = "instruction tasks each method trains on (one fine-tuning per task) and is scored on, comma-separated")] public string Tasks { get; init; } = "summarize,sentiment";
    [Param(Description = "methods, comma-separated: full, lora, qlora, bitfit, ia3, adapters, prompt-tuning, prefix-tuning")] public string Methods { get; init; } = "full,lora,qlora,bitfit,ia3,adapters,prompt-tuning,prefix-tuning";
    [Param(Description = "optimizer steps of every fine-tuning on each task (the matched budget)", Min = 1, Max = 10_000_000)] public int Steps { get; init; } = 300;
    [Param(Description = "items per step", Min = 1, Max = 4096)] public int BatchSize { get; init; } = 8;
    [Param(Description = "training items of each task (training templates)", Min = 1, Max = 10_000_000)] public int TrainItems { get; init; } = 2000;
    [Param(Description = "test items per task (training templates, from index 1,000,000,000 on)", Min = 1, Max = 100_000)] public int Items { get; init; } = 30;
    [Param(Description = "peak learning rate of full fine-tuning", Min = 0, Max = 1)] public double LearningRate { get; init; } = 1e-3;
    [Param(Description = "peak learning rate of LoRA and QLoRA", Min = 0, Max = 1)] public double LoraLearningRate { get; init; } = 1e-2;
    [Param(Description = "peak learning rate of BitFit", Min = 0, Max = 1)] public double BitFitLearningRate { get; init; } = 1e-2;
    [Param(Description = "peak learning rate of IA3", Min = 0, Max = 1)] public double Ia3LearningRate { get; init; } = 1e-2;
    [Param(Description = "peak learning rate of prompt tuning", Min = 0, Max = 10)] public double PromptLearningRate { get; init; } = 3e-2;
    [Param(Description = "LoRA rank r of the lora and qlora methods", Min = 1, Max = 4096)] public int LoraRank { get; init; } = 8;
    [Param(Description = "LoRA alpha (the update is scaled by alpha / r, or alpha / sqrt(r) with rsLoRA)", Min = 0.001, Max = 1e6)] public double LoraAlpha { get; init; } = 16;
    [Param(Description = "scale LoRA updates by alpha / sqrt(r) (rsLoRA)")] public bool UseRsLora { get; init; }
    [Param(Description = "layers the lora and qlora methods adapt: names, globs or all-linear")] public string TargetModules { get; init; } = "q_proj,k_proj,v_proj,o_proj";
    [Param(Description = "the frozen base of qlora: Int8, Q8_0 or Q4_0")] public WeightFormat QloraFormat { get; init; } = WeightFormat.Q4_0;
    [Param(Description = "bottleneck adapters' reduction factor: each adapter has width / this many hidden units", Min = 1, Max = 4096)] public int ReductionFactor { get; init; } = 16;
    [Param(Description = "peak learning rate of the bottleneck adapters", Min = 0, Max = 1)] public double AdapterLearningRate { get; init; } = 1e-2;
    [Param(Description = "peak learning rate of prefix tuning", Min = 0, Max = 10)] public double PrefixLearningRate { get; init; } = 1e-2;
    [Param(Description = "virtual tokens of prompt tuning and of prefix tuning", Min = 1, Max = 1024)] public int VirtualTokens { get; init; } = 16;
    [Param(Description = "LoRA sweep, rank:targets comma-separated (targets: attention or all-linear); empty: no sweep")] public string LoraSweep { get; init; } = "2:attention,32:attention,8:all-linear";
    [Param(Description = "linear warm-up steps", Min = 0, Max = 10_000_000)] public int WarmupSteps { get; init; } = 30;
    [Param(Description = "longest generated answer, in tokens", Min = 1, Max = 4096)] public int MaxNewTokens { get; init; } = 64;
    [Param(Description = "a checkpoint every this many steps of each training (0: every half)", Min = 0, Max = 10_000_000)] public int CheckpointInterval { get; init; }
}
