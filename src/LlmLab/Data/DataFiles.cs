using System.Text;

namespace LlmLab.Data;

/// <summary>Opening user text files the same way in every loader: UTF-8 (a byte-order mark is honoured) that fails
/// on invalid bytes instead of silently replacing them.</summary>
internal static class DataFiles
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static StreamReader OpenText(string path) =>
        new(path, StrictUtf8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);

    /// <summary>ReadLine that turns a decoding failure into a DataFormatException naming the file (the reader decodes
    /// ahead, so the line number is only a lower bound).</summary>
    public static string? ReadLine(StreamReader reader, string path, long linesRead)
    {
        try { return reader.ReadLine(); }
        catch (DecoderFallbackException e) { throw InvalidUtf8(path, linesRead, e); }
    }

    public static DataFormatException InvalidUtf8(string path, long linesRead, Exception inner) =>
        new(path, null, $"not valid UTF-8 text (at or after line {linesRead + 1})", inner);
}
