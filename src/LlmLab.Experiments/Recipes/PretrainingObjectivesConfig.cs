namespace LlmLab.Experiments;

/// <summary>
/// Parameters of the pretraining-objectives recipe: three families pre-trained on the same corpus and byte-level BPE tokens (learned from it, with <mask> and T5's sentinels), each
/// with its own objective - a decoder (GPT) by causal LM, an encoder (BERT) by masked LM, an encoder-decoder (T5)
/// by span corruption - at matched parameters (the T5's feed-forward width makes its two stacks as large as the
/// others' one) and matched training compute (the GPT's steps set the budget; the others take as many steps as
/// spend the same FLOPs). Then each is scored on what it is for: continuation, cloze, and summarisation after the
/// same short fine-tuning.
/// </summary>
[Recipe("objectives", typeof(PretrainingObjectivesRecipe), Description = "Causal LM (GPT) vs masked LM (BERT) vs span corruption (T5) at matched parameters and compute: continuation perplexity, cloze accuracy, summarisation after the same fine-tuning")]
public sealed record PretrainingObjectivesConfig
{
    [Param(Description = "byte-level BPE vocabulary size, <mask> and T5's sentinels included", Min = 300, Max = 100_000)] public int VocabularySize { get; init; } = 2048;
    [Param(Description = "documents of the synthetic corpus to pre-train on", Min = 10, Max = 10_000_000)] public int Documents { get; init; } = 4000;
    [Param(Description = "tokens a training window holds, for every family (a dialogue and its summary must fit the GPT)", Min = 16, Max = 4096)] public int Context { get; init; } = 192;
    [Param(Description = "transformer layers of the GPT and the BERT; the T5 has half of them in each stack", Min = 2, Max = 48)] public int Layers { get; init; } = 4;
    [Param(Description = "model width of every family", Min = 8, Max = 4096)] public int Width { get; init; } = 128;
    [Param(Description = "attention heads (the width must divide by them)", Min = 1, Max = 64)] public int Heads { get; init; } = 4;
    [Param(Description = "windows per pre-training step", Min = 1, Max = 4096)] public int BatchSize { get; init; } = 16;
    [Param(Description = "the GPT's pre-training steps: the compute budget every family spends", Min = 1, Max = 10_000_000)] public int Steps { get; init; } = 2500;
    [Param(Description = "share of the BERT's tokens chosen for masked LM (BERT's 0.15; Wettig et al. 2023 found 0.4 better)", Min = 0.01, Max = 1)] public double MaskProbability { get; init; } = 0.15;
    [Param(Description = "share of the T5's tokens hidden in spans (T5's 0.15)", Min = 0.01, Max = 0.9)] public double NoiseDensity { get; init; } = 0.15;
    [Param(Description = "mean length of the T5's hidden spans (T5's 3)", Min = 1, Max = 100)] public double MeanSpanLength { get; init; } = 3;
    [Param(Description = "added at initialisation to one nearby offset per head of the T5 encoder's position bias (-1, +1, -2, +2): without it the T5 does not learn to read a sentinel's neighbours at this compute; 0 = transformers' initialisation", Min = 0, Max = 20)] public double T5LocalityPrior { get; init; } = 7;
    [Param(Description = "peak pre-training learning rate (a cosine to a tenth of it)", Min = 0, Max = 1)] public double LearningRate { get; init; } = 2e-3;
    [Param(Description = "share of each pre-training's steps spent warming up", Min = 0, Max = 1)] public double WarmupShare { get; init; } = 0.05;
    [Param(Description = "validation points on each pre-training's loss curve", Min = 1, Max = 1000)] public int EvaluationPoints { get; init; } = 10;
    [Param(Description = "validation batches averaged at each point", Min = 1, Max = 10_000)] public int EvaluationBatches { get; init; } = 8;
    [Param(Description = "held-out documents the continuation and cloze tests are drawn from", Min = 2, Max = 1_000_000)] public int TestDocuments { get; init; } = 400;
    [Param(Description = "continuation windows: the first half of each is the prompt, the second half is scored", Min = 1, Max = 1_000_000)] public int ContinuationWindows { get; init; } = 200;
    [Param(Description = "cloze items: a held-out word hidden, with half a window of text on each side", Min = 1, Max = 1_000_000)] public int ClozeItems { get; init; } = 600;
    [Param(Description = "fine-tuning steps for summarisation, the same for the GPT and the T5", Min = 1, Max = 10_000_000)] public int FinetuneSteps { get; init; } = 400;
    [Param(Description = "dialogues per fine-tuning step", Min = 1, Max = 4096)] public int FinetuneBatchSize { get; init; } = 8;
    [Param(Description = "peak fine-tuning learning rate", Min = 0, Max = 1)] public double FinetuneLearningRate { get; init; } = 2e-3;
    [Param(Description = "dialogues to fine-tune on", Min = 1, Max = 1_000_000)] public int TrainExamples { get; init; } = 2000;
    [Param(Description = "test dialogues summarised and scored with ROUGE", Min = 1, Max = 100_000)] public int TestExamples { get; init; } = 40;
    [Param(Description = "longest generated summary in tokens", Min = 1, Max = 4096)] public int MaxNewTokens { get; init; } = 60;
}
