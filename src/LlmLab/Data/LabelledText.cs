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

    /// <summary>How a page writes a review's verdict: a cue and the words for positive, negative and neutral.</summary>
    private static readonly (string Cue, string Positive, string Negative, string Neutral)[] Verdicts =
    [
        ("Verdict:", "positive", "negative", "neutral"), ("Sentiment:", "positive", "negative", "neutral"),
        ("Rating:", "good", "bad", "average"), ("Would I recommend it?", "yes", "no", "maybe"),
    ];

    /// <summary>How a quiz page writes a sum or a difference and its answer.</summary>
    private static readonly Func<int, int, bool, string>[] Sums =
    [
        (a, b, plus) => plus ? $"Q: What is {a} plus {b}?\nA: {a + b}" : $"Q: What is {a} minus {b}?\nA: {a - b}",
        (a, b, plus) => plus ? $"{a} + {b} = {a + b}" : $"{a} - {b} = {a - b}",
        (a, b, plus) => plus ? $"Question: How much is {a} and {b}?\nAnswer: {a + b}" : $"Question: How much is {a} take away {b}?\nAnswer: {a - b}",
    ];

    /// <summary>
    /// A third of the documents are a few reviews one after another, each followed by its verdict in one format the
    /// page keeps, as a shop lists its reviews; a third are quiz pages of sums in one format; a third a dialogue
    /// with its topic. On a page the format of a later answer follows from the earlier ones, which is what teaches a
    /// model to read examples in its context.
    /// </summary>
    public static string Document(ulong seed, long index)
    {
        var r = new DataRandom(seed, (ulong)index, DocumentStream);
        switch (r.Next(3))
        {
            case 0:
                var (cue, positive, negative, neutral) = r.Pick(Verdicts);
                return string.Join("\n\n", Enumerable.Range(0, r.Between(2, 4)).Select(k =>
                {
                    long review = index * 4 + k;
                    var example = r.Next(3) == 0
                        ? NeutralReviews.Create(seed, review, ReviewStream, "", out _)
                        : ReviewGenerator.Create(seed, review, ReviewStream, "");
                    string word = example.Label switch { ReviewGenerator.Positive => positive, ReviewGenerator.Negative => negative, _ => neutral };
                    return example.Text + "\n" + cue + " " + word;
                }));
            case 1:
                var sum = r.Pick(Sums);
                return string.Join("\n\n", Enumerable.Range(0, r.Between(3, 6)).Select(_ =>
                {
                    int a = r.Between(0, 10), b = r.Between(0, 10);
                    bool plus = r.Chance(0.5);
                    return plus ? sum(a, b, true) : sum(Math.Max(a, b), Math.Min(a, b), false);
                }));
            default:
                var dialogue = DialogueSummaryGenerator.Create(seed, index, DialogueStream, "");
                return r.Chance(0.5) ? $"Topic: {dialogue.Topic}\n{dialogue.Dialogue}" : $"{dialogue.Dialogue}\nTopic: {dialogue.Topic}";
        }
    }
}
