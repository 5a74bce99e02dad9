using LlmLab.Evaluation;

namespace LlmLab.Tests.Evaluation;

/// <summary>The Porter stemmer against NLTK's PorterStemmer (NLTK_EXTENSIONS): exact string equality.</summary>
public class PorterStemmerTests
{
    [Fact]
    public void Stems_agree_with_nltk()
    {
        var wrong = PorterStemmerVectors.Nltk
            .Where(p => PorterStemmer.Stem(p.Key) != p.Value)
            .Select(p => $"{p.Key}: expected {p.Value}, got {PorterStemmer.Stem(p.Key)}")
            .ToList();
        Assert.True(wrong.Count == 0, string.Join("; ", wrong));
        Assert.True(PorterStemmerVectors.Nltk.Count > 300);
    }

    [Fact]
    public void Irregular_forms_are_looked_up_before_lowercasing_as_nltk_does()
    {
        Assert.Equal("sky", PorterStemmer.Stem("skies"));
        Assert.Equal("ski", PorterStemmer.Stem("Skies"));
        Assert.Equal("die", PorterStemmer.Stem("dying"));
        Assert.Equal("ab", PorterStemmer.Stem("AB"));
    }

    [Fact]
    public void Long_runs_of_y_alternate_consonant_and_vowel()
    {
        // NLTK: "y" * 50 -> 49 y's + "i", "y" * 51 unchanged (the last y of the stem is a consonant only at even positions).
        Assert.Equal("yyyi", PorterStemmer.Stem("yyyy"));
        Assert.Equal(new string('y', 49) + "i", PorterStemmer.Stem(new string('y', 50)));
        Assert.Equal(new string('y', 51), PorterStemmer.Stem(new string('y', 51)));
        // NLTK itself recurses once per y and overflows Python's stack here; LlmLab follows the same rule iteratively.
        Assert.Equal(new string('y', 4999) + "i", PorterStemmer.Stem(new string('y', 5000)));
    }
}
