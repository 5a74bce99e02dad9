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
    /// </summary>
    public static ITokenizer Build(TokenizerKind kind, int vocabularySize, string trainText, string folder) => kind switch
    {
        TokenizerKind.Char => CharTokenizer.Build(trainText),
        TokenizerKind.Bpe => Trained(vocabularySize, trainText, folder),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a tokenizer kind"),
    };

    private static ITokenizer Trained(int vocabularySize, string trainText, string folder)
    {
        int smallest = 256 + DialogueTokens.Count + 1;
        if (vocabularySize < smallest)
            throw new ExperimentConfigException($"VocabularySize: byte-level BPE needs at least {smallest} tokens (256 bytes, {DialogueTokens.Count} dialogue markers, <|endoftext|>), got {vocabularySize}");
        BpeTrainer.Train([trainText], vocabularySize, DialogueTokens).Save(folder);
        return Tokenizer.Load(folder);
    }

    /// <summary>"characters" or "BPE tokens", for tables and sentences.</summary>
    public static string Unit(ITokenizer tokenizer) => tokenizer is CharTokenizer ? "characters" : "BPE tokens";
}
