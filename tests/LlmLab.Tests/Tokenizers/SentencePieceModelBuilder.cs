using System.Text;

namespace LlmLab.Tests.Tokenizers;

/// <summary>
/// Writes a SentencePiece model file (sentencepiece_model.proto's ModelProto) by hand, so the tests need no download:
/// pieces {piece = 1, score = 2, type = 3}, trainer_spec = 2 {model_type = 3, vocab_size = 4, byte_fallback = 35,
/// unk_id = 40, bos_id = 41, eos_id = 42, pad_id = 43}, normalizer_spec = 3 {name = 1, add_dummy_prefix = 3,
/// remove_extra_whitespaces = 4, escape_whitespaces = 5}.
/// </summary>
public sealed class SentencePieceModelBuilder
{
    public const int Normal = 1, Unknown = 2, Control = 3, Byte = 6;
    public const int Unigram = 1, Bpe = 2;

    private readonly List<(string Piece, float Score, int Type)> _pieces = [];

    public int Count => _pieces.Count;

    public SentencePieceModelBuilder Add(string piece, float score = 0, int type = Normal)
    {
        _pieces.Add((piece, score, type));
        return this;
    }

    /// <summary>The 256 byte pieces &lt;0x00&gt; .. &lt;0xFF&gt; of byte fallback (Llama).</summary>
    public SentencePieceModelBuilder AddBytes()
    {
        for (int b = 0; b < 256; b++) Add($"<0x{b:X2}>", 0, Byte);
        return this;
    }

    public byte[] Build(int modelType, int unkId, int bosId, int eosId, int padId, bool byteFallback = false)
    {
        var model = new List<byte>();
        foreach (var (piece, score, type) in _pieces)
            model.AddRange(Message(1, [.. Text(1, piece), .. Fixed32(2, score), .. Number(3, type)]));
        model.AddRange(Message(2, [.. Number(3, modelType), .. Number(4, _pieces.Count), .. Number(35, byteFallback ? 1 : 0),
                                   .. Number(40, unkId), .. Number(41, bosId), .. Number(42, eosId), .. Number(43, padId)]));
        model.AddRange(Message(3, [.. Text(1, "identity"), .. Number(3, 1), .. Number(4, 1), .. Number(5, 1)]));
        return [.. model];
    }

    private static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>();
        for (; value >= 0x80; value >>= 7) bytes.Add((byte)(value | 0x80));
        bytes.Add((byte)value);
        return [.. bytes];
    }

    private static byte[] Tag(int field, int wire) => Varint((ulong)(field << 3 | wire));
    private static byte[] Number(int field, long value) => [.. Tag(field, 0), .. Varint((ulong)value)]; // negatives: 10 bytes, as protobuf
    private static byte[] Fixed32(int field, float value) => [.. Tag(field, 5), .. BitConverter.GetBytes(value)];
    private static byte[] Text(int field, string text) => Message(field, Encoding.UTF8.GetBytes(text));
    private static byte[] Message(int field, byte[] payload) => [.. Tag(field, 2), .. Varint((ulong)payload.Length), .. payload];
}
