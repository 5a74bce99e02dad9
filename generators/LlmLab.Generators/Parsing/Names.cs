using System.Linq;
using System.Text;

namespace LlmLab.Generators.Parsing;

/// <summary>Experiment and recipe names (lower-case words joined by '-'), and the C# names made from them.</summary>
internal static class Names
{
    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name)) return false;
        var words = name!.Split('-');
        return words.All(w => w.Length > 0 && w.All(c => (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')));
    }

    /// <summary>The message for a bad name, with a corrected one when there is one ("Tiny GPT" -> "tiny-gpt").</summary>
    public static string BadNameMessage(string what, string? name)
    {
        var suggestion = Suggest(name ?? "");
        return $"{what} '{name}' must be lower-case words joined by '-'" + (suggestion.Length > 0 ? $", such as '{suggestion}'" : "");
    }

    /// <summary>
    /// "pretrain-small" -> "PretrainSmallExperiment": the generated class of an experiment. A word that starts
    /// with a digit gets a '_' ("gpt-2-small" -> "Gpt_2SmallExperiment"), so that distinct names never collide.
    /// </summary>
    public static string ClassName(string name)
    {
        var builder = new StringBuilder();
        foreach (var word in name.Split('-'))
        {
            if (word.Length == 0) continue;
            if (char.IsDigit(word[0])) builder.Append('_').Append(word);
            else builder.Append(char.ToUpperInvariant(word[0])).Append(word.Substring(1));
        }
        return builder.Append("Experiment").ToString();
    }

    /// <summary>A step's default title: the method name split into lower-case words ("SampleText" -> "sample text").</summary>
    public static string Words(string identifier)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < identifier.Length; i++)
        {
            var c = identifier[i];
            if (c == '_') { if (builder.Length > 0 && builder[builder.Length - 1] != ' ') builder.Append(' '); continue; }
            var startsWord = i > 0 && char.IsUpper(c)
                && (char.IsLower(identifier[i - 1]) || char.IsDigit(identifier[i - 1])
                    || (i + 1 < identifier.Length && char.IsLower(identifier[i + 1]) && char.IsUpper(identifier[i - 1])));
            if (startsWord && builder.Length > 0 && builder[builder.Length - 1] != ' ') builder.Append(' ');
            builder.Append(char.ToLowerInvariant(c));
        }
        return builder.ToString().Trim();
    }

    /// <summary>"camelCase" of a property name, always '@'-escaped so that it never collides with a keyword.</summary>
    public static string Local(string property) => "@" + char.ToLowerInvariant(property[0]) + property.Substring(1);

    static string Suggest(string name)
    {
        var builder = new StringBuilder();
        foreach (var word in Words(name).Split(' ', '-', '.', '/', ':'))
        {
            var clean = new string(word.Where(c => char.IsLetterOrDigit(c) && c < 128).Select(char.ToLowerInvariant).ToArray());
            if (clean.Length == 0) continue;
            if (builder.Length > 0) builder.Append('-');
            builder.Append(clean);
        }
        return builder.ToString();
    }
}
