using LlmLab.Evaluation;

namespace LlmLab.Experiments;

/// <summary>
/// One model of the finetune recipe's comparison: "base" (not trained: no loss of its own, no time), "full" or
/// "lora" (its adapters merged into the returned model, so it is a plain GPT again). Test loss is the mean
/// cross-entropy over the test summaries' tokens; ROUGE the mean over the test dialogues of greedy summaries
/// against the references, <see cref="Faithfulness"/> their slot values pooled; <see cref="Summaries"/> those
/// summaries, in test order.
/// </summary>
public sealed record FinetuneResult(
    string Method,
    TinyGpt Model,
    long TrainableParameters,
    long AllParameters,
    float? FinalTrainLoss,
    float? TestLoss,
    RougeScores Rouge,
    SummaryFaithfulness Faithfulness,
    TimeSpan? TrainTime,
    IReadOnlyList<string> Summaries)
{
    public double TrainablePercent => AllParameters == 0 ? 0 : 100.0 * TrainableParameters / AllParameters;
}

/// <summary>The base model and its full and LoRA fine-tunings, each from the same base weights.</summary>
public sealed record FinetuneComparison(FinetuneResult Base, FinetuneResult Full, FinetuneResult Lora);
