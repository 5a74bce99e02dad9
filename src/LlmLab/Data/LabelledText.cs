namespace LlmLab.Data;

/// <summary>
/// Pre-training documents in which the prompting tasks' answers occur as ordinary text, as reviews carry a verdict
/// and forum threads a topic on the web: a review that ends in its verdict ("Verdict: negative."), a dialogue with
/// its topic. A base model pre-trained with some of them knows what a review's verdict or a conversation's topic is
/// without having seen an instruction; a prompt then has to show it the format (in-context learning). Document i
/// is a pure function of (seed, i) and shares no draws with the other generators.
/// </summary>
public static class LabelledText
{
    /// <summary>Which documents of a corpus are labelled text (<see cref="IsLabelled"/>), and their own draws.</summary>
    public const uint MixStream = 9, DocumentStream = 10, ReviewStream = 11, DialogueStream = 12;

    /// <summary>Whether document <paramref name="index"/> of a corpus with this share of labelled text is one.</summary>
    public static bool IsLabelled(ulong seed, long index, double share) =>
        share > 0 && new DataRandom(seed, (ulong)index, MixStream).Chance(share);

    /// <summary>How a document writes a review's verdict: a cue and the words for positive and negative.</summary>
    private static readonly (string Cue, string Positive, string Negative)[] Verdicts =
    [
        ("Verdict:", "positive", "negative"), ("Sentiment:", "positive", "negative"),
        ("Rating:", "good", "bad"), ("Would I recommend it?", "yes", "no"),
    ];

    /// <summary>
    /// Half the documents are a few reviews one after another, each followed by its verdict in one format the
    /// document keeps (as a shop's page lists its reviews): the format of a later review's verdict follows from the
    /// earlier ones, which is what teaches a model to read examples in its context. The other half are a dialogue
    /// with its topic.
    /// </summary>
    public static string Document(ulong seed, long index)
    {
        var r = new DataRandom(seed, (ulong)index, DocumentStream);
        if (r.Chance(0.5))
        {
            var (cue, positive, negative) = r.Pick(Verdicts);
            int count = r.Between(2, 4);
            return string.Join("\n\n", Enumerable.Range(0, count).Select(k =>
            {
                var review = ReviewGenerator.Create(seed, index * 4 + k, ReviewStream, "");
                return review.Text + "\n" + cue + " " + (review.Label == ReviewGenerator.Positive ? positive : negative);
            }));
        }
        var dialogue = DialogueSummaryGenerator.Create(seed, index, DialogueStream, "");
        return r.Chance(0.5) ? $"Topic: {dialogue.Topic}\n{dialogue.Dialogue}" : $"{dialogue.Dialogue}\nTopic: {dialogue.Topic}";
    }
}
