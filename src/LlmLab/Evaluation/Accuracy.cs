namespace LlmLab.Evaluation;

/// <summary>Accuracy: the fraction of predictions equal to their reference label (as HF evaluate's "accuracy").</summary>
public static class Accuracy
{
    /// <summary>Fraction of positions i where predictions[i] equals references[i] (default equality).</summary>
    public static double Compute<T>(IReadOnlyList<T> predictions, IReadOnlyList<T> references)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentNullException.ThrowIfNull(references);
        if (predictions.Count != references.Count)
            throw new ArgumentException($"accuracy: {predictions.Count} predictions but {references.Count} references");
        if (predictions.Count == 0) throw new ArgumentException("accuracy needs at least one prediction");
        var comparer = EqualityComparer<T>.Default;
        int correct = 0;
        for (int i = 0; i < predictions.Count; i++)
            if (comparer.Equals(predictions[i], references[i])) correct++;
        return (double)correct / predictions.Count;
    }
}
