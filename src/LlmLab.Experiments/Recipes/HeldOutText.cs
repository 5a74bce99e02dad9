using LlmLab.Data;
using LlmLab.Tokenizers;

namespace LlmLab.Experiments;

/// <summary>
/// Corpus text that no recipe trains or validates on: the documents of the run's corpus from index
/// <see cref="FirstDocument"/> on (pre-training reads documents 0.., its validation 1,000,000,000..). Pure functions
/// of the seed, so every format and every run of a seed scores the same characters.
/// </summary>
public static class HeldOutText
{
    public const long FirstDocument = 2_000_000_000;

    /// <summary><paramref name="documents"/> held-out documents joined by blank lines, as the training text is.</summary>
    public static string Documents(ulong seed, int documents) =>
        string.Join("\n\n", PretrainingCorpus.Generate(seed, documents, FirstDocument));

    /// <summary>Whole held-out documents, as many as it takes to reach <paramref name="tokens"/> tokens of <paramref name="tokenizer"/>.</summary>
    public static string AtLeast(ulong seed, ITokenizer tokenizer, int tokens)
    {
        var text = new System.Text.StringBuilder();
        int separator = tokenizer.Encode("\n\n").Length, count = 0;
        for (long i = FirstDocument; count < tokens; i++)
        {
            if (text.Length > 0)
            {
                text.Append("\n\n");
                count += separator;
            }
            string document = PretrainingCorpus.Document(seed, i);
            text.Append(document);
            count += tokenizer.Encode(document).Length;
        }
        return text.ToString();
    }

    /// <summary>Whole held-out documents, as many as it takes to reach <paramref name="characters"/> characters.</summary>
    public static string AtLeast(ulong seed, int characters)
    {
        var text = new System.Text.StringBuilder();
        for (long i = FirstDocument; text.Length < characters; i++)
        {
            if (text.Length > 0) text.Append("\n\n");
            text.Append(PretrainingCorpus.Document(seed, i));
        }
        return text.ToString();
    }
}
