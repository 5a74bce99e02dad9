namespace LlmLab.Data;

public static partial class InstructionGenerator
{
    // All of the class's static state is in this file, in the order it is initialised.
    private static readonly string[] NoOptions = [];

    private static readonly string[] SentimentOptions = [ReviewGenerator.Positive, ReviewGenerator.Negative, ReviewGenerator.Neutral];

    private static readonly (string One, string Many)[] Things =
        [("apple", "apples"), ("book", "books"), ("coin", "coins"), ("pencil", "pencils"), ("stamp", "stamps"), ("marble", "marbles")];

    /// <summary>The tasks, in a fixed order (a task's place in it is its stream offset: append, never reorder).</summary>
    private static readonly Definition[] Definitions = [Summarize(), Sentiment(), Topic(), SlotQuestion(), Arithmetic(), WriteReview()];

    /// <summary>
    /// The tasks, in a fixed order: "summarize" (ROUGE-L), "sentiment" (accuracy over positive/negative/neutral),
    /// "topic" (accuracy over the 11 dialogue scenarios; the one task held out of training), "slot-question" (exact
    /// match), "arithmetic" (exact match) and "write-review" (ROUGE-L, the reverse of sentiment).
    /// </summary>
    public static IReadOnlyList<InstructionTask> Tasks { get; } = [.. Definitions.Select(d => d.Task)];

    private sealed record SummaryItem(string Dialogue, string Summary);

    private static Definition<SummaryItem> Summarize() => new(
        "summarize", InstructionMetric.RougeL,
        "Summarize a two-person dialogue in one sentence (one template asks the reverse: the dialogue from its summary); " +
        "scored by ROUGE-L against the reference.",
        heldOut: false, NoOptions,
        (_, texts) =>
        {
            var d = texts.Dialogue();
            return new SummaryItem(d.Dialogue, d.Summary);
        },
        [
            new("summarize/instruction-first", s => ($"Summarize this dialogue:\n{s.Dialogue}\nSummary:", s.Summary)),
            new("summarize/instruction-after", s => ($"{s.Dialogue}\nSum up the conversation above in one sentence.\nSummary:", s.Summary)),
            new("summarize/question", s => ($"{s.Dialogue}\nWhat happens in this conversation?", s.Summary)),
            new("summarize/write-dialogue", s => (
                $"Write a short dialogue between #Person1# and #Person2# that fits this summary: {s.Summary}\nDialogue:", s.Dialogue)),
        ],
        [
            new("summarize/tldr", s => ($"{s.Dialogue}\nTL;DR:", s.Summary)),
        ]);

    private sealed record ReviewItem(string Text, string Label, string Subject);

    /// <summary>A third of the reviews neutral, the rest positive or negative as the review generator draws them
    /// (half each): a third each.</summary>
    private static ReviewItem DrawReview(DataRandom r, Texts texts)
    {
        var review = texts.Review(neutral: r.Next(3) == 0, out string subject);
        return new ReviewItem(review.Text, review.Label, subject);
    }

    private static Definition<ReviewItem> Sentiment() => new(
        "sentiment", InstructionMetric.Accuracy,
        "Tell whether a product or film review is positive, negative or neutral.",
        heldOut: false, SentimentOptions, DrawReview,
        [
            new("sentiment/instruction-first", v => ($"Is the following review positive, negative or neutral?\n{v.Text}\nAnswer:", v.Label)),
            new("sentiment/instruction-after", v => ($"{v.Text}\nIs this review positive, negative or neutral?", v.Label)),
            new("sentiment/label", v => ($"Review: {v.Text}\nSentiment:", v.Label)),
        ],
        [
            new("sentiment/opinion", v => ($"{v.Text}\nWhat is the writer's opinion: positive, negative or neutral?", v.Label)),
        ]);

    private sealed record TopicItem(string Dialogue, string Topic);

    private static Definition<TopicItem> Topic()
    {
        var topics = DialogueSummaryGenerator.Topics;
        string choices = string.Join(", ", topics.Take(topics.Count - 1)) + " or " + topics[^1];
        return new(
            "topic", InstructionMetric.Accuracy,
            $"Name the scenario of a dialogue, one of {topics.Count}. Held out of training: a task the model never saw.",
            heldOut: true, topics,
            (_, texts) =>
            {
                var d = texts.Dialogue();
                return new TopicItem(d.Dialogue, d.Topic);
            },
            [
                new("topic/instruction-first", s => ($"What is this conversation about?\n{s.Dialogue}\nTopic:", s.Topic)),
                new("topic/instruction-after", s => ($"{s.Dialogue}\nWhat is the topic of the conversation above?", s.Topic)),
                new("topic/options", s => ($"{s.Dialogue}\nWhich of these is the conversation about: {choices}?", s.Topic)),
            ],
            [
                new("topic/situation", s => ($"Dialogue:\n{s.Dialogue}\nIn what situation does this conversation take place?", s.Topic)),
            ]);
    }

    private sealed record SlotItem(string Dialogue, string Question, string Answer);

    /// <summary>The first of the item's dialogues that states a fact the question table can ask about.</summary>
    private static SlotItem DrawSlotQuestion(DataRandom r, Texts texts)
    {
        const int attempts = 64; // One dialogue in about seven has no askable fact: 64 misses in a row do not happen.
        for (int a = 0; a < attempts; a++)
        {
            var d = texts.Dialogue(a);
            var askable = SlotQuestions.Askable(d);
            if (askable.Count == 0) continue;
            var (answer, questions) = r.Pick(askable);
            return new SlotItem(d.Dialogue, r.Pick(questions), answer.Value);
        }
        throw new InvalidOperationException($"slot-question: no askable dialogue in {attempts} draws for item {texts.Index}");
    }

    private static Definition<SlotItem> SlotQuestion() => new(
        "slot-question", InstructionMetric.ExactMatch,
        "Answer a question about a day, time, name, place or amount in a dialogue; the answer is the value as " +
        "DialogueSlots reads it (\"Friday\", \"7:30 pm\", \"Golden Dragon\" without \"the\", \"$45\", \"four\").",
        heldOut: false, NoOptions, DrawSlotQuestion,
        [
            new("slot-question/instruction-first", q => (
                $"Answer the question from the conversation.\n{q.Dialogue}\nQuestion: {q.Question}\nAnswer:", q.Answer)),
            new("slot-question/question-first", q => ($"{q.Question}\nThe answer is in this conversation:\n{q.Dialogue}\nAnswer:", q.Answer)),
            new("slot-question/question-after", q => ($"{q.Dialogue}\n{q.Question}", q.Answer)),
        ],
        [
            new("slot-question/qa", q => ($"Conversation:\n{q.Dialogue}\nQ: {q.Question}\nA:", q.Answer)),
        ]);

    /// <summary>a + b or a - b (never below zero), with a name and a thing for the word problem.</summary>
    private sealed record SumItem(int A, int B, bool Plus, string Name, string One, string Many)
    {
        public string Result => Digits(Plus ? A + B : A - B);

        public string Things(int count) => count == 1 ? One : Many;
    }

    private static SumItem DrawSum(DataRandom r, Texts _)
    {
        int a = r.Between(0, 10), b = r.Between(0, 10);
        bool plus = r.Chance(0.5);
        if (!plus && a < b) (a, b) = (b, a);
        var (one, many) = r.Pick(Things);
        return new SumItem(a, b, plus, r.Pick(DialogueVocabulary.Names), one, many);
    }

    private static string Digits(int n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static Definition<SumItem> Arithmetic() => new(
        "arithmetic", InstructionMetric.ExactMatch,
        "Add or subtract two numbers from 0 to 10 (one template asks the reverse: the missing number); the answer is " +
        "the number in digits.",
        heldOut: false, NoOptions, DrawSum,
        [
            new("arithmetic/question", s => ($"What is {s.A} {(s.Plus ? "plus" : "minus")} {s.B}?", s.Result)),
            new("arithmetic/equation", s => ($"{s.A} {(s.Plus ? "+" : "-")} {s.B} =", s.Result)),
            new("arithmetic/instruction-first", s => (s.Plus ? $"Add {s.A} and {s.B}.\nAnswer:" : $"Subtract {s.B} from {s.A}.\nAnswer:", s.Result)),
            new("arithmetic/missing-number", s => (s.Plus
                ? $"What number do you add to {s.A} to get {s.Result}?"
                : $"What number do you take away from {s.A} to get {s.Result}?", Digits(s.B))),
        ],
        [
            new("arithmetic/word-problem", s => (s.Plus
                ? $"{s.Name} has {s.A} {s.Things(s.A)} and gets {s.B} more. How many {s.Many} does {s.Name} have now?"
                : $"{s.Name} has {s.A} {s.Things(s.A)} and gives {s.B} away. How many {s.Many} does {s.Name} have left?", s.Result)),
            new("arithmetic/how-much", s => (s.Plus
                ? $"How much is {s.A} and {s.B} together?"
                : $"How much is left when you take {s.B} from {s.A}?", s.Result)),
        ]);

    private static Definition<ReviewItem> WriteReview() => new(
        "write-review", InstructionMetric.RougeL,
        "Write a positive, negative or neutral review of a named product or film (the reverse of sentiment); scored by " +
        "ROUGE-L against the reference review.",
        heldOut: false, NoOptions, DrawReview,
        [
            new("write-review/instruction", v => ($"Write a {v.Label} review of {v.Subject}.\nReview:", v.Text)),
            new("write-review/request", v => ($"Can you write a {v.Label} review of {v.Subject}?", v.Text)),
            new("write-review/fields", v => ($"Subject: {v.Subject}\nSentiment: {v.Label}\nReview:", v.Text)),
        ],
        [
            new("write-review/opinion", v => ($"Give a short review of {v.Subject} that is {v.Label} overall.\nReview:", v.Text)),
        ]);
}
