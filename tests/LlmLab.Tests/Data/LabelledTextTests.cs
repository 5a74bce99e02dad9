using LlmLab.Data;

namespace LlmLab.Tests.Data;

/// <summary>
/// The labelled task text of the pre-training corpus: review pages that keep one verdict format, quiz pages of sums
/// in one format, dialogues with their topic, each document a pure function of (seed, index), and the share of
/// documents that are labelled.
/// </summary>
public class LabelledTextTests
{
    /// <summary>The verdict formats a review page may use: the cue and the words for positive, negative and neutral.</summary>
    private static readonly (string Cue, string Positive, string Negative, string Neutral)[] Formats =
    [
        ("Verdict:", "positive", "negative", "neutral"), ("Sentiment:", "positive", "negative", "neutral"),
        ("Rating:", "good", "bad", "average"), ("Would I recommend it?", "yes", "no", "maybe"),
    ];

    /// <summary>A quiz page's sums in each of its formats: a, the operator, b and the answer.</summary>
    private static readonly System.Text.RegularExpressions.Regex[] SumFormats =
    [
        new(@"^Q: What is (\d+) (plus|minus) (\d+)\?\nA: (-?\d+)$"),
        new(@"^(\d+) (\+|-) (\d+) = (-?\d+)$"),
        new(@"^Question: How much is (\d+) (and|take away) (\d+)\?\nAnswer: (-?\d+)$"),
    ];

    private static bool IsQuiz(string document) => SumFormats.Any(f => f.IsMatch(document.Split("\n\n")[0]));

    private static bool IsDialogue(string document) =>
        document.StartsWith("Topic: ", StringComparison.Ordinal) || document.Split('\n')[^1].StartsWith("Topic: ", StringComparison.Ordinal);

    [Fact]
    public void Document_is_a_pure_function_of_seed_and_index()
    {
        var first = Enumerable.Range(0, 60).Select(i => LabelledText.Document(7, i)).ToList();
        // In another order, after other documents: the same text.
        Assert.Equal(first, Enumerable.Range(0, 60).Reverse().Select(i => LabelledText.Document(7, i)).Reverse().ToList());
        Assert.Equal(first[42], LabelledText.Document(7, 42));
        Assert.True(first.Distinct().Count() >= 58, $"{first.Distinct().Count()} of 60 documents differ");
        int same = Enumerable.Range(0, 60).Count(i => LabelledText.Document(8, i) == first[i]);
        Assert.True(same <= 1, $"{same} of 60 documents equal across seeds");
    }

    [Fact]
    public void Review_pages_keep_one_verdict_format_and_give_each_review_its_label()
    {
        const ulong seed = 3;
        int pages = 0, others = 0, neutral = 0;
        var formatsSeen = new HashSet<string>();
        for (long index = 0; index < 600; index++)
        {
            string document = LabelledText.Document(seed, index);
            if (IsDialogue(document) || IsQuiz(document))
            {
                others++;
                continue;
            }
            pages++;
            var reviews = document.Split("\n\n");
            Assert.InRange(reviews.Length, 2, 4);
            // The page's format: the one whose cue starts the first review's last line.
            string firstVerdict = reviews[0].Split('\n')[^1];
            var format = Assert.Single(Formats, f => firstVerdict.StartsWith(f.Cue + " ", StringComparison.Ordinal));
            formatsSeen.Add(format.Cue);
            for (int k = 0; k < reviews.Length; k++)
            {
                var lines = reviews[k].Split('\n');
                Assert.Equal(2, lines.Length);
                // The review is the review generator's or, a third of the time, a neutral one, with its own verdict word.
                var polar = ReviewGenerator.Create(seed, index * 4 + k, LabelledText.ReviewStream, "");
                var lukewarm = NeutralReviews.Create(seed, index * 4 + k, LabelledText.ReviewStream, "", out _);
                var review = lines[0] == polar.Text ? polar : lukewarm;
                Assert.Equal(review.Text, lines[0]);
                if (review == lukewarm) neutral++;
                string word = review.Label switch { ReviewGenerator.Positive => format.Positive, ReviewGenerator.Negative => format.Negative, _ => format.Neutral };
                Assert.Equal($"{format.Cue} {word}", lines[1]);
            }
        }
        Assert.InRange(pages, 150, 250);   // a third of 600: the standard deviation is 12
        Assert.Equal(600, pages + others);
        Assert.Equal(Formats.Length, formatsSeen.Count);
        Assert.InRange(neutral, 80, 240);  // a third of about 600 reviews
    }

    [Fact]
    public void Quiz_pages_keep_one_format_and_every_sum_is_right()
    {
        int pages = 0;
        var formatsSeen = new HashSet<int>();
        for (long index = 0; index < 600; index++)
        {
            string document = LabelledText.Document(4, index);
            if (!IsQuiz(document)) continue;
            pages++;
            var items = document.Split("\n\n");
            Assert.InRange(items.Length, 3, 6);
            int format = Array.FindIndex(SumFormats, f => f.IsMatch(items[0]));
            formatsSeen.Add(format);
            foreach (var item in items)
            {
                var match = SumFormats[format].Match(item);
                Assert.True(match.Success, $"'{item}' is not in the page's format {format}");
                int a = int.Parse(match.Groups[1].Value), b = int.Parse(match.Groups[3].Value), answer = int.Parse(match.Groups[4].Value);
                bool plus = match.Groups[2].Value is "plus" or "+" or "and";
                Assert.Equal(plus ? a + b : a - b, answer);
                Assert.True(answer >= 0, $"'{item}': a difference is never negative");
            }
        }
        Assert.InRange(pages, 150, 250);
        Assert.Equal(SumFormats.Length, formatsSeen.Count);
    }

    [Fact]
    public void Dialogues_carry_their_topic_before_or_after_the_conversation()
    {
        int before = 0, after = 0;
        for (long index = 0; index < 300; index++)
        {
            string document = LabelledText.Document(5, index);
            if (!IsDialogue(document)) continue;
            var lines = document.Split('\n');
            bool first = lines[0].StartsWith("Topic: ", StringComparison.Ordinal);
            string topicLine = first ? lines[0] : lines[^1];
            Assert.Contains(topicLine["Topic: ".Length..], DialogueSummaryGenerator.Topics);
            var conversation = first ? lines[1..] : lines[..^1];
            Assert.All(conversation, l => Assert.Matches("^#Person[12]#: ", l));
            Assert.Single(lines, l => l.StartsWith("Topic: ", StringComparison.Ordinal));
            if (first) before++;
            else after++;
        }
        Assert.True(before > 20 && after > 20, $"{before} topics before the dialogue, {after} after");
    }

    [Fact]
    public void IsLabelled_marks_the_given_share_of_documents()
    {
        const int n = 5000;
        int Count(double share) => Enumerable.Range(0, n).Count(i => LabelledText.IsLabelled(11, i, share));
        Assert.Equal(0, Count(0));
        Assert.Equal(n, Count(1));
        Assert.InRange(Count(0.3), 0.27 * n, 0.33 * n);
        // One draw per document: raising the share only adds documents, and another seed picks others.
        Assert.All(Enumerable.Range(0, n), i => Assert.True(!LabelledText.IsLabelled(11, i, 0.3) || LabelledText.IsLabelled(11, i, 0.5)));
        int both = Enumerable.Range(0, n).Count(i => LabelledText.IsLabelled(11, i, 0.3) && LabelledText.IsLabelled(12, i, 0.3));
        Assert.InRange(both, 0.06 * n, 0.12 * n);   // independent: about 0.09
    }
}
