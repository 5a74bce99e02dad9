namespace LlmLab.Evaluation;

/// <summary>
/// The Porter stemmer exactly as NLTK's <c>PorterStemmer()</c> in its default NLTK_EXTENSIONS mode, the variant
/// rouge_score uses: Porter's 1980 rules with Martin Porter's later fixes ("bli" -> "ble", "logi" -> "log",
/// "fulli" -> "ful", "alli" tried first), NLTK's table of irregular forms (sky/skies, dying, lying, tying, news,
/// innings, outings, cannings, howe, proceed, exceed, succeed), "ies"/"ied" on four-letter words -> "ie", y -> i only
/// after a consonant that is not the first letter, and words of one or two letters left alone.
/// Input is lowercased first (invariant culture; NLTK uses Python's <c>str.lower</c>, which differs only on a
/// handful of non-ASCII letters that never reach the stemmer from the ROUGE tokenizer).
/// </summary>
public static class PorterStemmer
{
    private static readonly Dictionary<string, string> Irregular = new(StringComparer.Ordinal)
    {
        ["sky"] = "sky", ["skies"] = "sky",
        ["dying"] = "die", ["lying"] = "lie", ["tying"] = "tie",
        ["news"] = "news",
        ["innings"] = "inning", ["inning"] = "inning",
        ["outings"] = "outing", ["outing"] = "outing",
        ["cannings"] = "canning", ["canning"] = "canning",
        ["howe"] = "howe",
        ["proceed"] = "proceed", ["exceed"] = "exceed", ["succeed"] = "succeed",
    };

    /// <summary>A rule: when the word ends with Suffix, the condition on the remaining stem decides.</summary>
    private readonly record struct Rule(string Suffix, string Replacement, Func<string, bool>? Condition);

    private static readonly Rule[] Step1aRules =
    [
        new("sses", "ss", null),
        new("ies", "i", null),
        new("ss", "ss", null),
        new("s", "", null),
    ];

    private static readonly Rule[] Step2Rules =
    [
        new("ational", "ate", PositiveMeasure),
        new("tional", "tion", PositiveMeasure),
        new("enci", "ence", PositiveMeasure),
        new("anci", "ance", PositiveMeasure),
        new("izer", "ize", PositiveMeasure),
        new("bli", "ble", PositiveMeasure),
        new("alli", "al", PositiveMeasure),
        new("entli", "ent", PositiveMeasure),
        new("eli", "e", PositiveMeasure),
        new("ousli", "ous", PositiveMeasure),
        new("ization", "ize", PositiveMeasure),
        new("ation", "ate", PositiveMeasure),
        new("ator", "ate", PositiveMeasure),
        new("alism", "al", PositiveMeasure),
        new("iveness", "ive", PositiveMeasure),
        new("fulness", "ful", PositiveMeasure),
        new("ousness", "ous", PositiveMeasure),
        new("aliti", "al", PositiveMeasure),
        new("iviti", "ive", PositiveMeasure),
        new("biliti", "ble", PositiveMeasure),
        new("fulli", "ful", PositiveMeasure),
        // The 'l' of "logi" stays with the stem when measuring, so that "geo", "theo" behave like "archaeo".
        new("logi", "log", stem => PositiveMeasure(stem + "l")),
    ];

    private static readonly Rule[] Step3Rules =
    [
        new("icate", "ic", PositiveMeasure),
        new("ative", "", PositiveMeasure),
        new("alize", "al", PositiveMeasure),
        new("iciti", "ic", PositiveMeasure),
        new("ical", "ic", PositiveMeasure),
        new("ful", "", PositiveMeasure),
        new("ness", "", PositiveMeasure),
    ];

    private static readonly Rule[] Step4Rules =
    [
        new("al", "", MeasureAboveOne),
        new("ance", "", MeasureAboveOne),
        new("ence", "", MeasureAboveOne),
        new("er", "", MeasureAboveOne),
        new("ic", "", MeasureAboveOne),
        new("able", "", MeasureAboveOne),
        new("ible", "", MeasureAboveOne),
        new("ant", "", MeasureAboveOne),
        new("ement", "", MeasureAboveOne),
        new("ment", "", MeasureAboveOne),
        new("ent", "", MeasureAboveOne),
        new("ion", "", stem => Measure(stem) > 1 && stem[^1] is 's' or 't'),
        new("ou", "", MeasureAboveOne),
        new("ism", "", MeasureAboveOne),
        new("ate", "", MeasureAboveOne),
        new("iti", "", MeasureAboveOne),
        new("ous", "", MeasureAboveOne),
        new("ive", "", MeasureAboveOne),
        new("ize", "", MeasureAboveOne),
    ];

    /// <summary>The stem of one word.</summary>
    public static string Stem(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        // As NLTK: the irregular table is looked up with the word as given, before lowercasing.
        if (Irregular.TryGetValue(word, out string? irregular)) return irregular;
        string stem = word.ToLowerInvariant();
        if (word.Length <= 2) return stem;

        stem = Step1a(stem);
        stem = Step1b(stem);
        stem = Step1c(stem);
        stem = Step2(stem);
        stem = Step3(stem);
        stem = Step4(stem);
        stem = Step5a(stem);
        stem = Step5b(stem);
        return stem;
    }

    private static bool IsVowelLetter(char c) => c is 'a' or 'e' or 'i' or 'o' or 'u';

    /// <summary>
    /// Porter's consonant test: y is a consonant at the start of the word or after a vowel, a vowel after a
    /// consonant. A run of y's therefore alternates from the letter before it; computed without recursion.
    /// </summary>
    private static bool IsConsonant(string word, int i)
    {
        char c = word[i];
        if (IsVowelLetter(c)) return false;
        if (c != 'y') return true;
        int first = i;
        while (first > 0 && word[first - 1] == 'y') first--;
        bool firstIsConsonant = first == 0 || IsVowelLetter(word[first - 1]);
        return (i - first) % 2 == 0 ? firstIsConsonant : !firstIsConsonant;
    }

    /// <summary>Porter's m: the number of vowel-consonant transitions in [C](VC)^m[V].</summary>
    private static int Measure(string stem)
    {
        int m = 0;
        bool previousConsonant = true, previousVowel = false;
        for (int i = 0; i < stem.Length; i++)
        {
            char c = stem[i];
            bool consonant = !IsVowelLetter(c) && (c != 'y' || i == 0 || !previousConsonant);
            if (previousVowel && consonant) m++;
            previousVowel = !consonant;
            previousConsonant = consonant;
        }
        return m;
    }

    private static bool PositiveMeasure(string stem) => Measure(stem) > 0;

    private static bool MeasureAboveOne(string stem) => Measure(stem) > 1;

    private static bool ContainsVowel(string stem)
    {
        for (int i = 0; i < stem.Length; i++)
            if (!IsConsonant(stem, i)) return true;
        return false;
    }

    private static bool EndsDoubleConsonant(string word) =>
        word.Length >= 2 && word[^1] == word[^2] && IsConsonant(word, word.Length - 1);

    /// <summary>*o: ends consonant-vowel-consonant, the last not w, x or y; NLTK also accepts a two-letter vowel-consonant word.</summary>
    private static bool EndsCvc(string word) =>
        (word.Length >= 3
         && IsConsonant(word, word.Length - 3)
         && !IsConsonant(word, word.Length - 2)
         && IsConsonant(word, word.Length - 1)
         && word[^1] is not ('w' or 'x' or 'y'))
        || (word.Length == 2 && !IsConsonant(word, 0) && IsConsonant(word, 1));

    /// <summary>The first rule whose suffix the word ends with decides: applied if its condition holds, else the word stays.</summary>
    private static string ApplyFirstMatching(string word, Rule[] rules)
    {
        foreach (var rule in rules)
        {
            if (!word.EndsWith(rule.Suffix, StringComparison.Ordinal)) continue;
            string stem = word[..^rule.Suffix.Length];
            return rule.Condition is null || rule.Condition(stem) ? stem + rule.Replacement : word;
        }
        return word;
    }

    private static string Step1a(string word)
    {
        if (word.Length == 4 && word.EndsWith("ies", StringComparison.Ordinal)) return word[..^3] + "ie";
        return ApplyFirstMatching(word, Step1aRules);
    }

    private static string Step1b(string word)
    {
        if (word.EndsWith("ied", StringComparison.Ordinal))
            return word[..^3] + (word.Length == 4 ? "ie" : "i");

        if (word.EndsWith("eed", StringComparison.Ordinal))
        {
            string eedStem = word[..^3];
            return Measure(eedStem) > 0 ? eedStem + "ee" : word;
        }

        string? stem = null;
        foreach (string suffix in (ReadOnlySpan<string>)["ed", "ing"])
        {
            if (word.EndsWith(suffix, StringComparison.Ordinal) && ContainsVowel(word[..^suffix.Length]))
            {
                stem = word[..^suffix.Length];
                break;
            }
        }
        if (stem is null) return word;

        if (stem.EndsWith("at", StringComparison.Ordinal)) return stem + "e";
        if (stem.EndsWith("bl", StringComparison.Ordinal)) return stem + "e";
        if (stem.EndsWith("iz", StringComparison.Ordinal)) return stem + "e";
        if (EndsDoubleConsonant(stem))
            return stem[^1] is 'l' or 's' or 'z' ? stem : stem[..^1];
        if (Measure(stem) == 1 && EndsCvc(stem)) return stem + "e";
        return stem;
    }

    private static string Step1c(string word)
    {
        // NLTK: y -> i only after a consonant, and not when that consonant is the whole stem ("spy" -> "spi", "by" stays).
        if (!word.EndsWith('y')) return word;
        string stem = word[..^1];
        return stem.Length > 1 && IsConsonant(stem, stem.Length - 1) ? stem + "i" : word;
    }

    private static string Step2(string word)
    {
        // NLTK applies "alli" -> "al" first and then runs step 2 again on the result.
        if (word.EndsWith("alli", StringComparison.Ordinal) && PositiveMeasure(word[..^4]))
            return Step2(word[..^4] + "al");
        return ApplyFirstMatching(word, Step2Rules);
    }

    private static string Step3(string word) => ApplyFirstMatching(word, Step3Rules);

    private static string Step4(string word) => ApplyFirstMatching(word, Step4Rules);

    private static string Step5a(string word)
    {
        if (!word.EndsWith('e')) return word;
        string stem = word[..^1];
        int m = Measure(stem);
        return m > 1 || (m == 1 && !EndsCvc(stem)) ? stem : word;
    }

    private static string Step5b(string word) =>
        word.EndsWith("ll", StringComparison.Ordinal) && Measure(word[..^1]) > 1 ? word[..^1] : word;
}
