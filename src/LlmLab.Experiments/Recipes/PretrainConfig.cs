using LlmLab.Models;
using LlmLab.Nn;

namespace LlmLab.Experiments;

/// <summary>
/// Pre-training a GPT on the synthetic corpus (nanoGPT's CPU-sized defaults: 4 layers, 4 heads, width 128, context
/// 64, batch 12, characters). The corpus's first <see cref="Documents"/> documents train; a tenth as many documents
/// from far along the same stream validate. With <c>Tokenizer: bpe</c> a byte-level BPE vocabulary of
/// <see cref="VocabularySize"/> tokens is learned from the training documents first.
/// </summary>
[Recipe("pretrain", typeof(PretrainRecipe), Description = "Pre-train a character-level or BPE GPT on the synthetic corpus")]
public sealed record PretrainConfig
{
    [Param(Description = "char (a token a character) or bpe (byte-level BPE learned from the training documents)")] public TokenizerKind Tokenizer { get; init; } = TokenizerKind.Char;
    [Param(Description = "tokens of the BPE vocabulary (bytes, merges, dialogue markers, <|endoftext|>)", Min = 260, Max = 100_000)] public int VocabularySize { get; init; } = 2048;
    [Param(Description = "transformer blocks", Min = 1, Max = 48)] public int Layers { get; init; } = 4;
    [Param(Description = "attention heads (the width must divide by them)", Min = 1, Max = 64)] public int Heads { get; init; } = 4;
    [Param(Description = "model width", Min = 8, Max = 4096)] public int Width { get; init; } = 128;
    [Param(Description = "context length in tokens", Min = 8, Max = 4096)] public int Context { get; init; } = 64;
    [Param(Description = "position embeddings")] public PositionKind Positions { get; init; } = PositionKind.Learned;
    [Param(Description = "normalisation")] public NormKind Norm { get; init; } = NormKind.LayerNorm;
    [Param(Description = "MLP kind")] public MlpKind Mlp { get; init; } = MlpKind.Gelu;
    [Param(Description = "sequences per step", Min = 1, Max = 4096)] public int BatchSize { get; init; } = 12;
    [Param(Description = "micro-batches per optimizer step", Min = 1, Max = 1024)] public int GradientAccumulation { get; init; } = 1;
    [Param(Description = "optimizer steps", Min = 1, Max = 10_000_000)] public int Steps { get; init; } = 2000;
    [Param(Description = "peak learning rate", Min = 0, Max = 1)] public double LearningRate { get; init; } = 1e-3;
    [Param(Description = "learning rate at the end of the cosine", Min = 0, Max = 1)] public double MinLearningRate { get; init; } = 1e-4;
    [Param(Description = "linear warm-up steps", Min = 0, Max = 10_000_000)] public int WarmupSteps { get; init; } = 100;
    [Param(Description = "AdamW weight decay (matrices only)", Min = 0, Max = 10)] public double WeightDecay { get; init; } = 0.1;
    [Param(Description = "clip the global gradient norm to this (0: off)", Min = 0, Max = 1e6)] public double MaxGradientNorm { get; init; } = 1;
    [Param(Description = "validation every this many steps (0: only at the start and end)", Min = 0, Max = 10_000_000)] public int EvaluationInterval { get; init; } = 250;
    [Param(Description = "validation batches averaged", Min = 1, Max = 10_000)] public int EvaluationBatches { get; init; } = 20;
    [Param(Description = "documents of the synthetic corpus to train on (about 280 characters each)", Min = 10, Max = 10_000_000)] public int Documents { get; init; } = 4000;
    [Param(Description = "share of the documents that are labelled task text (reviews ending in their verdict, dialogues with their topic): what a base model knows about the prompting tasks", Min = 0, Max = 1)] public double LabelledText { get; init; }
    [Param(Description = "a checkpoint every this many steps, and at the end (0: every quarter of the run)", Min = 0, Max = 10_000_000)] public int CheckpointInterval { get; init; }
}
