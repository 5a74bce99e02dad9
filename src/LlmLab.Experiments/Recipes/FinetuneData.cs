using LlmLab.Data;
using LlmLab.Tokenizers;
using LlmLab.Training;

namespace LlmLab.Experiments;

/// <summary>
/// The finetune recipe's data: training dialogues 0 .. TrainExamples - 1 of the generator and test dialogues from
/// index 1,000,000,000 on (disjoint ranges of the same seed), as prompt "&lt;dialogue&gt;\nSummary:" and completion
/// " &lt;summary&gt;\n" in the model's tokens. The cut falls where the pre-training corpus's text has a token
/// boundary (the space belongs to the summary's first word in BPE), so the prompt and completion encode as the
/// whole text does. Examples whose whole sequence does not fit the model's context are left out and counted.
/// </summary>
public sealed record FinetuneData(
    PromptCompletionBatches Train,
    PromptCompletionBatches Test,
    IReadOnlyList<DialogueExample> TestExamples,
    int TrainSkipped,
    int TestSkipped)
{
    public const long TestStart = 1_000_000_000;
    public const string SummaryCue = "\nSummary:";

    public static string Prompt(string dialogue) => dialogue + SummaryCue;

    /// <summary>The model's input and what it should write: "&lt;dialogue&gt;\nSummary:" and " &lt;summary&gt;\n".</summary>
    public static (int[] Prompt, int[] Completion) Encode(ITokenizer tokenizer, DialogueExample example) =>
        (tokenizer.Encode(Prompt(example.Dialogue)), tokenizer.Encode(" " + example.Summary + "\n"));

    /// <summary>
    /// Training batches of <paramref name="config"/>'s batch size for a model of <paramref name="context"/>
    /// positions; the test set as one batch (its loss is the mean over every test summary character).
    /// </summary>
    public static FinetuneData Create(ITokenizer tokenizer, int context, FinetuneConfig config, ulong seed)
    {
        int pad = tokenizer.SpecialTokens.Pad ?? throw new ArgumentException("the tokenizer has no PAD token");
        var data = SummaryData.Create(tokenizer, context, config.TrainExamples, config.TestExamples, seed);
        return new FinetuneData(
            new PromptCompletionBatches(data.Train.Select(e => e.Pair), context, config.BatchSize, pad, seed),
            new PromptCompletionBatches(data.Test.Select(e => e.Pair), context, data.Test.Count, pad, seed, "test"),
            [.. data.Test.Select(e => e.Example)], data.TrainSkipped, data.TestSkipped);
    }
}
