namespace LlmLab.Evaluation;

/// <summary>
/// sacrebleu lays references out as streams (stream k holds the k-th reference of every segment); LlmLab's metrics
/// take them per segment. This converts, refusing streams of different lengths.
/// </summary>
public static class ReferenceStreams
{
    /// <summary>segments[i] = [streams[0][i], streams[1][i], ...].</summary>
    public static string[][] ToSegments(IReadOnlyList<IReadOnlyList<string>> streams)
    {
        ArgumentNullException.ThrowIfNull(streams);
        if (streams.Count == 0) throw new ArgumentException("no reference streams", nameof(streams));
        int count = streams[0].Count;
        for (int k = 1; k < streams.Count; k++)
            if (streams[k].Count != count)
                throw new ArgumentException($"reference streams have different lengths: stream 1 has {count} segments, stream {k + 1} has {streams[k].Count}", nameof(streams));
        var segments = new string[count][];
        for (int i = 0; i < count; i++)
        {
            segments[i] = new string[streams.Count];
            for (int k = 0; k < streams.Count; k++) segments[i][k] = streams[k][i];
        }
        return segments;
    }

    /// <summary>
    /// The references sacrebleu keeps for a segment: it drops the empty ones ("" marks a missing reference in a
    /// multi-reference stream). Where none is left sacrebleu raises; LlmLab scores against one empty reference.
    /// </summary>
    internal static IReadOnlyList<string> NonEmpty(IReadOnlyList<string> references)
    {
        ArgumentNullException.ThrowIfNull(references);
        if (references.Count == 0) throw new ArgumentException("a segment needs at least one reference", nameof(references));
        int nonEmpty = 0;
        foreach (var r in references)
        {
            ArgumentNullException.ThrowIfNull(r, nameof(references));
            if (r.Length > 0) nonEmpty++;
        }
        if (nonEmpty == references.Count) return references;
        if (nonEmpty == 0) return [""];
        return references.Where(r => r.Length > 0).ToArray();
    }
}
