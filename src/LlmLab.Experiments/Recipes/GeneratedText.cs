using LlmLab.Generation;

namespace LlmLab.Experiments;

/// <summary>
/// How the recipes prompt a model and read what it writes. The corpus separates documents with a
/// blank line, so a continuation ends at its first blank line (the model's way of ending a text); a table shows it
/// on one line, shortened.
/// </summary>
public static class GeneratedText
{
    public const string DocumentBreak = "\n\n";

    /// <summary>The text before its first blank line.</summary>
    public static string UpToDocumentEnd(string text)
    {
        int at = text.IndexOf(DocumentBreak, StringComparison.Ordinal);
        return at < 0 ? text : text[..at];
    }

    /// <summary>One line (line breaks shown as ↵), cut at a word boundary after at most <paramref name="characters"/> characters.</summary>
    public static string ForTable(string text, int characters = 110)
    {
        string line = text.Replace("\r", "").Replace("\n", " ↵ ");
        if (line.Length <= characters) return line;
        int cut = line.LastIndexOf(' ', characters);
        return line[..(cut > characters / 2 ? cut : characters)].TrimEnd() + " …";
    }

    /// <summary>The prompt's token ids; a character the model's vocabulary lacks (it would not come back) is a configuration error naming it.</summary>
    public static int[] Encode(TinyGpt model, string prompt, string parameter)
    {
        if (prompt.Length == 0) throw new ExperimentConfigException($"{parameter}: a prompt needs at least one character");
        var tokenizer = model.Tokenizer;
        int[] ids = tokenizer.Encode(prompt);
        if (tokenizer.Decode(ids) != prompt)
        {
            var missing = prompt.EnumerateRunes().Select(r => r.ToString()).Distinct().Where(c => tokenizer.Decode(tokenizer.Encode(c)) != c).ToList();
            throw new ExperimentConfigException($"{parameter}: '{prompt}' uses {string.Join(" ", missing.Select(c => $"'{c}'"))}, which the model's vocabulary does not have");
        }
        if (ids.Length > model.Model.Config.Context)
            throw new ExperimentConfigException($"{parameter}: '{prompt}' has {ids.Length} tokens; the model's context is {model.Model.Config.Context}");
        return ids;
    }

    /// <summary>
    /// <paramref name="rows"/> continuations of one prompt (one batch), as generated (cut them with
    /// <see cref="UpToDocumentEnd"/>). With <paramref name="label"/>, the first is streamed to the console as it is
    /// generated, up to its document end, and then logged.
    /// </summary>
    public static string[] Continue(TinyGpt model, int[] prompt, int rows, GenerationOptions options, ExperimentContext context, string? label)
    {
        var console = label is null ? null : new UntilDocumentEnd(context.Stream);
        var streamer = console is null ? null : new TextStreamer(model.Tokenizer, console.Write);
        if (label is not null) context.Stream($"{label}: {model.Tokenizer.Decode(prompt)}");
        var outputs = Generator.Generate(model.Model, [.. Enumerable.Repeat(prompt, rows)], options, (row, token) =>
        {
            if (row == 0) streamer?.Add(token);
        });
        string[] texts = [.. outputs.Select(o => model.Tokenizer.Decode(o))];
        if (label is not null)
        {
            streamer!.Flush();
            context.EndStream($"{label}: {model.Tokenizer.Decode(prompt)}{UpToDocumentEnd(texts[0])}");
        }
        return texts;
    }

    /// <summary>Passes text on until the first blank line.</summary>
    private sealed class UntilDocumentEnd(Action<string> write)
    {
        private string _seen = "";
        private bool _ended;

        public void Write(string piece)
        {
            if (_ended) return;
            int before = _seen.Length;
            _seen += piece;
            int end = _seen.IndexOf(DocumentBreak, StringComparison.Ordinal);
            if (end < 0)
            {
                write(piece);
                return;
            }
            _ended = true;
            if (end > before) write(_seen[before..end]);
        }
    }
}
