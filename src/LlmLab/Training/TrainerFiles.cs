namespace LlmLab.Training;

/// <summary>
/// Where a <see cref="Trainer"/> keeps its checkpoints and appends its metrics. Several trainers may share one
/// metrics file (an experiment's pre-training and fine-tuning stages): each writes its names behind
/// <see cref="MetricPrefix"/> ("lora_train_loss") and, when it resumes, trims only its own lines.
/// </summary>
public sealed record TrainerFiles(string CheckpointFolder, string MetricsFile, string MetricPrefix = "")
{
    /// <summary>checkpoints/ and metrics.jsonl inside <paramref name="folder"/>.</summary>
    public static TrainerFiles In(string folder, string metricPrefix = "") =>
        new(Path.Combine(folder, "checkpoints"), Path.Combine(folder, MetricsLog.FileName), metricPrefix);
}
