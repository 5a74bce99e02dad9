namespace LlmLab.Experiments;

/// <summary>
/// Fine-tuning a pre-trained GPT to summarise dialogues (the synthetic DialogSum): a training sequence is
/// "&lt;dialogue&gt;\nSummary: &lt;summary&gt;\n" with the loss on the summary and its newline only; the test
/// dialogues are summarised greedily and scored with ROUGE against their references, and for faithfulness (the
/// names, places, days, times and amounts stated and invented), for the base model and each fine-tuned one. LoRA
/// follows PEFT (rank, alpha, target modules); its usual learning rate is about ten times full fine-tuning's, so
/// each method has its own. A base model pre-trained here uses BPE by default, so a dialogue and its summary fit a
/// short context.
/// </summary>
[Recipe("finetune", typeof(FinetuneRecipe), Description = "Fine-tune the pre-trained GPT for dialogue summarisation, fully and with LoRA, and compare ROUGE")]
public sealed record FinetuneConfig
{
    [Param(Description = "a saved model folder (a pretrain run's model/); empty: pre-train one here")]
    public string BaseModel { get; init; } = "";
    [Param(Description = "pre-training steps when BaseModel is empty", Min = 1, Max = 10_000_000)] public int PretrainSteps { get; init; } = 1000;
    [Param(Description = "tokenizer of a base model pre-trained here: bpe (a dialogue and its summary take about 115 tokens) or char (about 460)")] public TokenizerKind Tokenizer { get; init; } = TokenizerKind.Bpe;
    [Param(Description = "BPE vocabulary size of a base model pre-trained here", Min = 260, Max = 100_000)] public int VocabularySize { get; init; } = 2048;
    [Param(Description = "context of a base model pre-trained here, in tokens (0: 192 for bpe, 512 for char, room for nearly every dialogue and summary)", Min = 0, Max = 4096)] public int Context { get; init; }
    [Param(Description = "Full, Lora, or Both side by side from the same base")] public FinetuneMethod Method { get; init; } = FinetuneMethod.Both;
    [Param(Description = "LoRA rank r", Min = 1, Max = 4096)] public int LoraRank { get; init; } = 8;
    [Param(Description = "LoRA alpha: the update B A is scaled by alpha / r", Min = 0.001, Max = 1e6)] public double LoraAlpha { get; init; } = 16;
    [Param(Description = "layers LoRA adapts: names (q_proj,v_proj), globs (*.mlp.*) or all-linear")] public string TargetModules { get; init; } = "q_proj,k_proj,v_proj,o_proj";
    [Param(Description = "optimizer steps of each fine-tuning", Min = 1, Max = 10_000_000)] public int Steps { get; init; } = 1000;
    [Param(Description = "dialogues per step", Min = 1, Max = 4096)] public int BatchSize { get; init; } = 8;
    [Param(Description = "peak learning rate of full fine-tuning", Min = 0, Max = 1)] public double LearningRate { get; init; } = 2e-3;
    [Param(Description = "peak learning rate of LoRA", Min = 0, Max = 1)] public double LoraLearningRate { get; init; } = 1e-2;
    [Param(Description = "linear warm-up steps (then a cosine to a tenth of the peak)", Min = 0, Max = 10_000_000)] public int WarmupSteps { get; init; } = 50;
    [Param(Description = "AdamW weight decay (matrices only)", Min = 0, Max = 10)] public double WeightDecay { get; init; } = 0;
    [Param(Description = "training dialogues (examples 0 .. n-1 of the generator)", Min = 1, Max = 10_000_000)] public int TrainExamples { get; init; } = 2000;
    [Param(Description = "test dialogues (from index 1,000,000,000 on, disjoint from training)", Min = 1, Max = 100_000)] public int TestExamples { get; init; } = 40;
    [Param(Description = "longest summary generated, in tokens (a reference summary is at most about 50 BPE tokens, 200 characters)", Min = 1, Max = 4096)] public int MaxNewTokens { get; init; } = 80;
    [Param(Description = "a checkpoint every this many steps of each training, and at its end (0: every half of a fine-tuning, every quarter of a pre-training)", Min = 0, Max = 10_000_000)] public int CheckpointInterval { get; init; }
}
