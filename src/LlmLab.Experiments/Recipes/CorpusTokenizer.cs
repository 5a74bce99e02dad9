using LlmLab.Tokenizers;

namespace LlmLab.Experiments;

/// <summary>
/// The tokenizer a recipe pre-trains with, built from the training documents: the characters they use, or byte-level
/// BPE merges learned from them (<see cref="BpeTrainer"/>) with the dialogue markers kept whole, so that a dialogue
/// and its summary take about a quarter as many tokens as characters.
/// </summary>
public static class CorpusTokenizer
{
    /// <summary>Tokens BPE never splits or merges: the speakers and the cue before a summary.</summary>
    public static readonly IReadOnlyList<string> DialogueTokens = ["#Person1#", "#Person2#", "Summary:"];

    /// <summary>
    /// The tokenizer of <paramref name="kind"/> for the training text (documents joined by blank lines). BPE's files
    /// are written to <paramref name="folder"/> and read back from there (the same files go beside the saved model).
    /// <paramref name="sentinels"/> &gt; 0 adds a mask token and that many T5 sentinels, for masked LM and span
    /// corruption (the character tokenizer always has a mask).
    /// </summary>
    public static ITokenizer Build(TokenizerKind kind, int vocabularySize, string trainText, string folder, int sentinels = 0) => kind switch
    {
        TokenizerKind.Char => CharTokenizer.Build(trainText, sentinels),
        TokenizerKind.Bpe => Trained(vocabularySize, trainText, folder, sentinels),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a tokenizer kind"),
    };

    private static ITokenizer Trained(int vocabularySize, string trainText, string folder, int sentinels)
    {
        bool mask = sentinels > 0;
        int smallest = 256 + DialogueTokens.Count + 1 + (mask ? 1 + sentinels : 0);
        if (vocabularySize < smallest)
            throw new ExperimentConfigException($"VocabularySize: byte-level BPE needs at least {smallest} tokens (256 bytes, {DialogueTokens.Count} dialogue markers, <|endoftext|>"
                + (mask ? $", <mask>, {sentinels} sentinels" : "") + $"), got {vocabularySize}");
        BpeTrainer.Train([trainText], vocabularySize, DialogueTokens, mask: mask, sentinels: sentinels).Save(folder);
        return Tokenizer.Load(folder);
    }

    /// <summary>"characters" or "BPE tokens", for tables and sentences.</summary>
    public static string Unit(ITokenizer tokenizer) => tokenizer is CharTokenizer ? "characters" : "BPE tokens";
}
