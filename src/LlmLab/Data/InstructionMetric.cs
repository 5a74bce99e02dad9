namespace LlmLab.Data;

/// <summary>How an instruction item is scored (lm-evaluation-harness's metric names in JSONL files).</summary>
public enum InstructionMetric
{
    /// <summary>"acc": a multiple-choice item, right when its target has the highest log-likelihood of the options
    /// (and "acc_norm" with each log-likelihood divided by the option's length in bytes).</summary>
    Accuracy,
    /// <summary>"exact_match": a generated answer, right when it equals the target after trimming white space.</summary>
    ExactMatch,
    /// <summary>"rouge_l": a generated text, scored by its ROUGE-L F-measure against the target.</summary>
    RougeL,
}
