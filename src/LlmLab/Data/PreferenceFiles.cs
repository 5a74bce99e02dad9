using System.Text.Encodings.Web;
using System.Text.Json;
using LlmLab.IO;

namespace LlmLab.Data;

/// <summary>
/// Preference pairs as JSON Lines in trl's standard format, one object a line, the format
/// <see cref="JsonlLoader.LoadPreferences"/> reads: <c>{"id": "...", "prompt": "...", "chosen": " ...",
/// "rejected": " ...", "flaw": "rude" | "wrong-slot" | ""}</c>. <see cref="Save"/> writes every field; a reader needs
/// only "prompt", "chosen" and "rejected". The rules a pair must keep are the same for both: the two completions are
/// not empty and not the same text.
/// </summary>
public static class PreferenceFiles
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Writes the pairs, one a line, atomically (a reader sees the old file or the whole new one), so that
    /// <c>LoadPreferences(path)</c> gives them back field for field. A pair that breaks the rules, or no pairs at all
    /// (a file the loader refuses), is an ArgumentException and leaves any old file as it was.
    /// </summary>
    public static void Save(string path, IEnumerable<PreferenceExample> pairs) => AtomicFile.Write(path, stream =>
    {
        long count = 0;
        using var json = new Utf8JsonWriter(stream, Options);
        foreach (var pair in pairs)
        {
            count++;
            if (Problem(pair.Chosen, pair.Rejected) is { } problem)
                throw new ArgumentException($"preference pair {count} ('{pair.Id}'): {problem}", nameof(pairs));
            json.WriteStartObject();
            json.WriteString("id", pair.Id);
            json.WriteString("prompt", pair.Prompt);
            json.WriteString("chosen", pair.Chosen);
            json.WriteString("rejected", pair.Rejected);
            json.WriteString("flaw", pair.Flaw);
            json.WriteEndObject();
            json.Flush();
            stream.WriteByte((byte)'\n');
            json.Reset();
        }
        if (count == 0)
            throw new ArgumentException("no preference pairs to save (the loader refuses an empty file)", nameof(pairs));
    });

    /// <summary>What is wrong with a pair's completions, or null: the rules <see cref="Save"/> and the loader both
    /// apply (a pair the model cannot learn a preference from).</summary>
    internal static string? Problem(string chosen, string rejected)
    {
        if (chosen.Length == 0) return "\"chosen\" is empty";
        if (rejected.Length == 0) return "\"rejected\" is empty";
        if (string.Equals(chosen, rejected, StringComparison.Ordinal))
            return "\"chosen\" and \"rejected\" are the same text";
        return null;
    }
}
