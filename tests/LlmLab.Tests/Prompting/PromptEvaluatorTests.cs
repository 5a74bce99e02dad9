using LlmLab.Data;
using LlmLab.Prompting;
using LlmLab.Tokenizers;

namespace LlmLab.Tests.Prompting;

/// <summary>Scoring with a scripted model: acc against acc_norm, generation cut at the stop sequence, the standard error.</summary>
public class PromptEvaluatorTests
{
    private static readonly CharTokenizer Characters = CharTokenizer.Build("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ?:.,!\n");

    /// <summary>
    /// Scores a continuation by the log-likelihood given for its text (else -100) and "generates" a fixed text one
    /// character at a time, asking the stop callback after each.
    /// </summary>
    private sealed class ScriptedModel(IReadOnlyDictionary<string, double> logLikelihoods, string generated) : ILanguageModel
    {
        public List<(string Context, string Continuation)> Scored { get; } = [];
        public List<string> Generated { get; } = [];
        public string Name => "scripted";
        public ITokenizer Tokenizer => Characters;
        public int MaxLength => 1000;
        public IReadOnlyList<int> EosTokenIds => [];
        public (int[] Context, int[] Continuation) EncodePair(string context, string continuation) => (Characters.Encode(context), Characters.Encode(continuation));
        public int[] EncodeContext(string context) => Characters.Encode(context);

        public IReadOnlyList<ContinuationScore> LogLikelihoods(IReadOnlyList<(int[] Context, int[] Continuation)> requests) =>
        [
            .. requests.Select(r =>
            {
                string text = Characters.Decode(r.Continuation);
                Scored.Add((Characters.Decode(r.Context), text));
                return new ContinuationScore(logLikelihoods.GetValueOrDefault(text, -100), false, r.Continuation.Length, 0);
            }),
        ];

        public GreedyGeneration GenerateGreedy(int[] context, int maxNewTokens, Func<IReadOnlyList<int>, bool>? stop = null)
        {
            var tokens = new List<int>();
            foreach (int token in Characters.Encode(generated))
            {
                if (tokens.Count == maxNewTokens) break;
                tokens.Add(token);
                if (stop?.Invoke(tokens) ?? false) break;
            }
            Generated.Add(Characters.Decode(tokens.ToArray()));
            return new GreedyGeneration([.. tokens], 0);
        }
    }

    private static InstructionExample Choice(string id, string input, string target, params string[] options) =>
        new(id, "colours", "t1", input, target, options, InstructionMetric.Accuracy);

    [Fact]
    public void Acc_takes_the_highest_log_likelihood_and_acc_norm_the_highest_per_byte()
    {
        // " red" totals -3 (-1 per byte of "red"); " dark reddish brown" totals -6 (-1/3 per byte of its 18).
        var model = new ScriptedModel(new Dictionary<string, double> { [" red"] = -3, [" dark reddish brown"] = -6 }, "");
        var item = Choice("x1", "Q: what colour is rust?\nA:", "dark reddish brown", "red", "dark reddish brown");
        var record = new PromptEvaluator(model).Evaluate(item, [], new FewShotOptions());
        Assert.Equal(0, record.Predicted);
        Assert.Equal(1, record.PredictedNormalized);
        Assert.Equal(0, record.Score);
        Assert.Equal(1, record.NormalizedScore);
        Assert.Equal([3, 18], record.Options.Select(o => o.Bytes));
        Assert.Equal(-6.0 / 18, record.Options[1].NormalizedLogLikelihood);
        Assert.Equal(
            [("Q: what colour is rust?\nA:", " red"), ("Q: what colour is rust?\nA:", " dark reddish brown")],
            model.Scored);
    }

    [Fact]
    public void Generation_stops_at_the_stop_sequence_and_the_text_is_cut_there()
    {
        var model = new ScriptedModel(new Dictionary<string, double>(), " Paris\n\nQ: capital of Spain?\nA: Madrid");
        var item = new InstructionExample("g1", "capitals", "t1", "Q: capital of France?\nA:", "Paris", [], InstructionMetric.ExactMatch);
        var record = new PromptEvaluator(model).Evaluate(item, [], new FewShotOptions());
        Assert.Equal(" Paris", record.Prediction);
        Assert.Equal(1, record.Score);
        Assert.Equal([" Paris\n\n"], model.Generated);   // asked to stop as soon as the delimiter appeared

        var other = new ScriptedModel(new Dictionary<string, double>(), " Paris, France.");
        var stops = new FewShotOptions { Stops = [",", "."] };
        Assert.Equal(" Paris", new PromptEvaluator(other).Evaluate(item, [], stops).Prediction);
        Assert.Equal((" a", true), PromptEvaluator.Cut(" a.b,c", [",", "."]));
        Assert.Equal(("abc", false), PromptEvaluator.Cut("abc", ["\n\n"]));

        var rouge = item with { Metric = InstructionMetric.RougeL, Target = "the city of Paris" };
        var capped = new ScriptedModel(new Dictionary<string, double>(), " Paris is the city");
        var scored = new PromptEvaluator(capped).Evaluate(rouge, [], new FewShotOptions { MaxNewTokens = 6 });
        Assert.Equal(" Paris", scored.Prediction);
        Assert.Equal(2 * (1.0 / 1) * (1.0 / 4) / (1.0 + 1.0 / 4), scored.Score, 12);   // P = 1, R = 1/4
    }

    [Fact]
    public void The_standard_error_is_lm_evals_mean_stderr()
    {
        double[] values = [1, 0, 1, 1];
        Assert.Equal(0.75, PromptStatistics.Mean(values));
        // sample standard deviation sqrt(0.75 / 3) = 0.5, over sqrt(4).
        Assert.Equal(0.25, PromptStatistics.StandardError(values), 15);
        Assert.Equal(Math.Sqrt(((2 - 4.0) * (2 - 4.0) + 0 + (6 - 4.0) * (6 - 4.0)) / 2) / Math.Sqrt(3), PromptStatistics.StandardError([2, 4, 6]), 15);
        Assert.True(double.IsNaN(PromptStatistics.StandardError([1])));
        var summary = new MetricSummary("t", null, 0, 0, "acc", 4, 0.75, 0.25);
        Assert.Equal(0.75 - 0.49, summary.Low, 12);
        Assert.Equal(0.75 + 0.49, summary.High, 12);
    }

    [Fact]
    public void Items_are_summarised_per_task_and_template_with_their_shots_recorded()
    {
        var model = new ScriptedModel(new Dictionary<string, double> { [" red"] = -1, [" blue"] = -2 }, "");
        InstructionExample[] items =
        [
            Choice("c1", "sky?", "blue", "red", "blue"),
            Choice("c2", "blood?", "red", "red", "blue"),
            Choice("c3", "fire?", "red", "red", "blue") with { Template = "t2" },
            Choice("c4", "sea?", "blue", "red", "blue") with { Template = "t2" },
        ];
        var records = new List<PromptRecord>();
        var report = new PromptEvaluator(model).Evaluate(items, new FewShotSampler(items), new FewShotOptions { Shots = 3 }, records.Add);
        Assert.Equal(report.Records, records);
        Assert.All(report.Records, r => Assert.Equal(1, r.Shots));   // one other item of each task and template
        Assert.Equal(["c2"], report.Records[0].ShotIds);
        Assert.Equal("blood? red\n\nsky?", report.Records[0].Prompt);

        var byTask = report.Summaries();
        Assert.Equal(["acc", "acc_norm"], byTask.Select(s => s.Metric));
        Assert.Equal(0.5, byTask[0].Mean);
        Assert.Equal(4, byTask[0].Count);
        Assert.Equal(1, byTask[0].FewestShots);
        Assert.Equal(3, byTask[0].ShotsRequested);
        var byTemplate = report.Summaries(byTemplate: true);
        Assert.Equal([("t1", "acc"), ("t1", "acc_norm"), ("t2", "acc"), ("t2", "acc_norm")], byTemplate.Select(s => (s.Template!, s.Metric)));
    }
}
