using System.Text;

namespace LlmLab.Tokenizers;

/// <summary>
/// What HfTokenizer needs from a SentencePiece model file (sentencepiece_model.proto's ModelProto, read with a small
/// protobuf reader): the pieces in id order and trainer_spec's model type and special ids. Microsoft.ML.Tokenizers
/// does the tokenising; this reader exists because the library neither exposes the pieces (its vocabulary leaves out
/// control and byte pieces) nor accepts a model without BOS (T5's bos_id = -1 fails inside its constructor), see
/// <see cref="ForLibrary"/>.
/// </summary>
internal sealed class SentencePieceModelFile
{
    public const int Unigram = 1, Bpe = 2;

    private SentencePieceModelFile(byte[] bytes) => Bytes = bytes;

    public byte[] Bytes { get; }
    public List<string> Pieces { get; } = [];
    /// <summary>trainer_spec.model_type: 1 UNIGRAM (T5), 2 BPE (Llama), 3 WORD, 4 CHAR.</summary>
    public int ModelType { get; private set; } = Unigram;
    public int UnkId { get; private set; }
    public int BosId { get; private set; } = 1;
    public int EosId { get; private set; } = 2;
    public int PadId { get; private set; } = -1;
    public string UnkPiece { get; private set; } = "<unk>";
    public string EosPiece { get; private set; } = "</s>";

    /// <summary>The piece with id <paramref name="id"/>, or null for a negative id (a token the model lacks).</summary>
    public string? PieceOrNull(int id) => id >= 0 ? Pieces[id] : null;

    public static SentencePieceModelFile Read(byte[] bytes, string path)
    {
        var model = new SentencePieceModelFile(bytes);
        try
        {
            var reader = new Reader(bytes);
            while (!reader.End)
            {
                var (field, wire) = reader.Tag();
                if (field == 1 && wire == 2) model.Pieces.Add(ReadPiece(reader.Message()));
                else if (field == 2 && wire == 2) model.ReadTrainerSpec(reader.Message());
                else reader.Skip(wire);
            }
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException)
        {
            throw new TokenizerFileException(path, $"not a SentencePiece model (sentencepiece_model.proto): {e.Message}", e);
        }
        int count = model.Pieces.Count;
        if (count == 0) throw new TokenizerFileException(path, "the SentencePiece model has no pieces");
        if (model.ModelType is not (Unigram or Bpe))
            throw new TokenizerFileException(path, $"SentencePiece model_type {model.ModelType} is not supported (this reader handles 1 UNIGRAM, as T5, and 2 BPE, as Llama)");
        foreach (var (name, id, optional) in new[] { ("unk_id", model.UnkId, false), ("bos_id", model.BosId, true), ("eos_id", model.EosId, true), ("pad_id", model.PadId, true) })
            if (id >= count || id < (optional ? -1 : 0))
                throw new TokenizerFileException(path, $"trainer_spec.{name} = {id} is outside the model's {count} pieces");
        return model;
    }

    /// <summary>
    /// The model bytes to hand to Microsoft.ML.Tokenizers. Its SentencePiece constructors index their piece table with
    /// bos_id and eos_id, so a model without one (T5 has no BOS) fails there; a second trainer_spec appended to the
    /// file (protobuf merges repeated messages, the later scalar wins) points the missing one at EOS - or UNK - which
    /// is special already. HfTokenizer never asks the library to add BOS/EOS and reads the ids from this file, so the
    /// alias changes nothing it returns.
    /// </summary>
    public byte[] ForLibrary()
    {
        if (BosId >= 0 && EosId >= 0) return Bytes;
        var (aliasId, aliasPiece) = EosId >= 0 ? (EosId, EosPiece) : (UnkId, UnkPiece);
        var spec = new List<byte>();
        if (BosId < 0) { spec.AddRange(Writer.Varint(41, aliasId)); spec.AddRange(Writer.String(46, aliasPiece)); }
        if (EosId < 0) { spec.AddRange(Writer.Varint(42, aliasId)); spec.AddRange(Writer.String(47, aliasPiece)); }
        return [.. Bytes, .. Writer.Bytes(2, [.. spec])];
    }

    private static string ReadPiece(Reader reader)
    {
        string? piece = null;
        while (!reader.End)
        {
            var (field, wire) = reader.Tag();
            if (field == 1 && wire == 2) piece = reader.String();
            else reader.Skip(wire);
        }
        return piece ?? throw new InvalidDataException("a piece without its text (field 1)");
    }

    private void ReadTrainerSpec(Reader reader)
    {
        while (!reader.End)
        {
            var (field, wire) = reader.Tag();
            switch (field, wire)
            {
                case (3, 0): ModelType = reader.Int32(); break;
                case (40, 0): UnkId = reader.Int32(); break;
                case (41, 0): BosId = reader.Int32(); break;
                case (42, 0): EosId = reader.Int32(); break;
                case (43, 0): PadId = reader.Int32(); break;
                case (45, 2): UnkPiece = reader.String(); break;
                case (47, 2): EosPiece = reader.String(); break;
                default: reader.Skip(wire); break;
            }
        }
    }

    /// <summary>Protobuf wire format: varints, 64-bit, length-delimited and 32-bit fields (no groups).</summary>
    private sealed class Reader(byte[] bytes, int start = 0, int end = -1)
    {
        private readonly int _end = end < 0 ? bytes.Length : end;
        private int _at = start;

        public bool End => _at >= _end;

        public (int Field, int Wire) Tag()
        {
            ulong tag = Varint();
            return ((int)(tag >> 3), (int)(tag & 7));
        }

        public ulong Varint()
        {
            ulong value = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                if (_at >= _end) throw new InvalidDataException("the file ends inside a number");
                byte b = bytes[_at++];
                value |= (ulong)(b & 0x7f) << shift;
                if (b < 0x80) return value;
            }
            throw new InvalidDataException("a number longer than 10 bytes");
        }

        // int32 fields hold negative values as 64-bit two's complement.
        public int Int32() => (int)(long)Varint();

        public Reader Message()
        {
            int length = Length();
            var inner = new Reader(bytes, _at, _at + length);
            _at += length;
            return inner;
        }

        public string String()
        {
            int length = Length();
            string text = Encoding.UTF8.GetString(bytes, _at, length);
            _at += length;
            return text;
        }

        public void Skip(int wire)
        {
            int length = wire switch
            {
                0 => 0,
                1 => 8,
                2 => Length(),
                5 => 4,
                _ => throw new InvalidDataException($"unsupported protobuf wire type {wire}"),
            };
            if (wire == 0) Varint();
            else if (_end - _at < length) throw new InvalidDataException("the file ends inside a field");
            else _at += length;
        }

        private int Length()
        {
            ulong length = Varint();
            if (length > (ulong)(_end - _at)) throw new InvalidDataException($"a field of {length} bytes runs past the end of its message");
            return (int)length;
        }
    }

    private static class Writer
    {
        public static byte[] Varint(int field, long value) => [.. Raw((ulong)(field << 3)), .. Raw((ulong)value)];
        public static byte[] String(int field, string text) => Bytes(field, Encoding.UTF8.GetBytes(text));
        public static byte[] Bytes(int field, byte[] payload) => [.. Raw((ulong)(field << 3 | 2)), .. Raw((ulong)payload.Length), .. payload];

        private static byte[] Raw(ulong value)
        {
            var bytes = new List<byte>(10);
            for (; value >= 0x80; value >>= 7) bytes.Add((byte)(value | 0x80));
            bytes.Add((byte)value);
            return [.. bytes];
        }
    }
}
