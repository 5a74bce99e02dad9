using System.Buffers;
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

    /// <summary>
    /// The lines of a UTF-8 file with their 1-based numbers, streamed; "\n" or "\r\n" ends a line and a leading
    /// byte-order mark is skipped. Each line is decoded on its own, so invalid bytes are reported at their line
    /// ("path:N: not valid UTF-8"), not somewhere after it as a reader that decodes ahead would.
    /// </summary>
    public static IEnumerable<(long Line, string Text)> Lines(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        var chunk = new byte[1 << 16];
        var line = new ArrayBufferWriter<byte>(256);
        long number = 0;
        for (int read; (read = stream.Read(chunk, 0, chunk.Length)) > 0;)
        {
            int start = 0;
            for (int end; (end = Array.IndexOf(chunk, (byte)'\n', start, read - start)) >= 0; start = end + 1)
            {
                line.Write(chunk.AsSpan(start, end - start));
                number++;
                yield return (number, Decode(path, number, line));
            }
            line.Write(chunk.AsSpan(start, read - start));
        }
        if (line.WrittenCount > 0)
        {
            number++;
            yield return (number, Decode(path, number, line));
        }
    }

    private static readonly byte[] ByteOrderMark = [0xEF, 0xBB, 0xBF];

    /// <summary>The line's bytes as text (without a final '\r', and on line 1 without a byte-order mark); empties <paramref name="line"/>.</summary>
    private static string Decode(string path, long number, ArrayBufferWriter<byte> line)
    {
        var bytes = line.WrittenSpan;
        if (number == 1 && bytes.StartsWith(ByteOrderMark)) bytes = bytes[ByteOrderMark.Length..];
        if (bytes.EndsWith((byte)'\r')) bytes = bytes[..^1];
        try { return StrictUtf8.GetString(bytes); }
        catch (DecoderFallbackException e) { throw new DataFormatException(path, number, "not valid UTF-8", e); }
        finally { line.ResetWrittenCount(); }
    }
}
