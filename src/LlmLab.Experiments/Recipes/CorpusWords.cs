using System.Text.RegularExpressions;
using LlmLab.Data;

namespace LlmLab.Experiments;

/// <summary>
/// The words of the training corpus, to tell real words from invented ones in generated text. A word is a run of
/// letters, with inner apostrophes ("I'd", "Luigi's"), compared ignoring case; numbers and punctuation are not
/// words. The corpus is the pretrain recipe's default training set: the first <see cref="Documents"/> documents of
/// the run's seed (the templates make its vocabulary closed, so a larger or another seed's corpus has the same words).
/// </summary>
public sealed partial class CorpusWords
{
    public const int Documents = 4000;

    private readonly HashSet<string> _words;

    private CorpusWords(HashSet<string> words) => _words = words;

    /// <summary>Distinct words of the corpus.</summary>
    public int Distinct => _words.Count;

    public static CorpusWords Of(ulong seed) =>
        new([.. PretrainingCorpus.Generate(seed, Documents).SelectMany(Words)]);

    /// <summary>The words of <paramref name="texts"/> and how many of them occur in the corpus.</summary>
    public (int Known, int Total) Count(IEnumerable<string> texts)
    {
        int known = 0, total = 0;
        foreach (string word in texts.SelectMany(Words))
        {
            total++;
            if (_words.Contains(word)) known++;
        }
        return (known, total);
    }

    private static IEnumerable<string> Words(string text) =>
        WordPattern().Matches(text).Select(m => m.Value.ToLowerInvariant());

    [GeneratedRegex(@"\p{L}+(?:'\p{L}+)*", RegexOptions.CultureInvariant)]
    private static partial Regex WordPattern();
}
