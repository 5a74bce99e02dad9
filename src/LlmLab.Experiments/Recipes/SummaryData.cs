using LlmLab.Data;
using LlmLab.Tokenizers;

namespace LlmLab.Experiments;

/// <summary>
/// A dialogue as both fine-tunings see it: the decoder's prompt "&lt;dialogue&gt;\nSummary:" and completion
/// " &lt;summary&gt;\n" (<see cref="FinetuneData.Encode"/>), and the encoder-decoder's target " &lt;summary&gt;" (its EOS
/// ends it where the decoder's line break does), read from the same prompt.
/// </summary>
public sealed record SummaryExample(DialogueExample Example, (int[] Prompt, int[] Completion) Pair, int[] Target);

/// <summary>
/// Training dialogues 0 .. trainExamples - 1 of the generator and test dialogues from
/// <see cref="FinetuneData.TestStart"/> on (disjoint ranges of the same seed): those whose prompt and completion fit
/// a decoder's context of <c>context</c> tokens, the rest counted. An encoder-decoder compared with that decoder
/// gets the same dialogues, so that neither sees one the other does not.
/// </summary>
public sealed record SummaryData(IReadOnlyList<SummaryExample> Train, IReadOnlyList<SummaryExample> Test, int TrainSkipped, int TestSkipped)
{
    public static SummaryData Create(ITokenizer tokenizer, int context, int trainExamples, int testExamples, ulong seed)
    {
        var (train, trainSkipped) = Fitting(tokenizer, context, DialogueSummaryGenerator.Generate(seed, trainExamples));
        var (test, testSkipped) = Fitting(tokenizer, context, DialogueSummaryGenerator.Generate(seed, testExamples, FinetuneData.TestStart));
        if (train.Count == 0 || test.Count == 0)
            throw new ExperimentConfigException($"no {(train.Count == 0 ? "training" : "test")} dialogue and its summary fit the model's context of {context} tokens; use a longer context");
        return new SummaryData(train, test, trainSkipped, testSkipped);
    }

    private static (List<SummaryExample> Kept, int Skipped) Fitting(ITokenizer tokenizer, int context, IEnumerable<DialogueExample> examples)
    {
        var kept = new List<SummaryExample>();
        int skipped = 0;
        foreach (var example in examples)
        {
            var pair = FinetuneData.Encode(tokenizer, example);
            // The decoder's inputs are the sequence less its last token.
            if (pair.Prompt.Length + pair.Completion.Length - 1 <= context) kept.Add(new SummaryExample(example, pair, tokenizer.Encode(" " + example.Summary)));
            else skipped++;
        }
        return (kept, skipped);
    }
}
