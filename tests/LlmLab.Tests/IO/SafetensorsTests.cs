using System.Text;
using LlmLab.IO;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;

namespace LlmLab.Tests.IO;

/// <summary>The safetensors reader: round trips through the writer, the HF fixture, and one lying or broken file
/// per check, each of which must give a <see cref="SafetensorsException"/> naming the file (and tensor).</summary>
public sealed class SafetensorsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("llmlab-safetensors-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => System.IO.Path.Combine(_folder, name);

    /// <summary>A file from a header text and data bytes, the header length written as given (or its real length).</summary>
    private string Craft(string header, byte[] data, ulong? claimedLength = null, string name = "crafted.safetensors")
    {
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = BitConverter.GetBytes(claimedLength ?? (ulong)json.Length).Concat(json).Concat(data).ToArray();
        string path = PathOf(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static SafetensorsException Refused(string path, params string[] mentions)
    {
        var e = Assert.Throws<SafetensorsException>(() => { using var _ = Safetensors.Open(path); });
        Assert.Contains(path, e.Message);
        foreach (string m in mentions) Assert.Contains(m, e.Message);
        return e;
    }

    [Fact]
    public void Every_dtype_round_trips_through_the_writer()
    {
        float[] f32 = [1.5f, -2.25f, 3e-5f, float.NegativeInfinity, 0f, 7f];
        double[] f64 = [Math.PI, -1e-300, 1e300];
        Half[] f16 = [(Half)0.5f, (Half)(-65504f), Half.Epsilon];
        float[] bf16 = [1f, -3.5f, 1e38f, 0.1f];
        long[] i64 = [long.MinValue, -1, 0, 5_000_000_000];
        int[] i32 = [int.MaxValue, -7];
        sbyte[] i8 = [-128, 127, 0];
        byte[] u8 = [0, 200, 255];
        var writer = new SafetensorsWriter()
            .Add("f32", f32, 2, 3).Add("f64", f64, 3).Add("f16", f16, 3).AddBFloat16("bf16", bf16, 2, 2)
            .Add("i64", i64, 4).Add("i32", i32, 2).Add("i8", i8, 3).Add("u8", u8, 1, 3)
            .Add("scalar", [42f]).Add("empty", Array.Empty<float>(), 0, 5);
        writer.Metadata["format"] = "pt";
        string path = PathOf("all.safetensors");
        writer.Save(path);

        using var file = Safetensors.Open(path);
        Assert.Equal(["f32", "f64", "f16", "bf16", "i64", "i32", "i8", "u8", "scalar", "empty"], file.Names);
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal(SafetensorsDType.BF16, file.Info("bf16").DType);
        Assert.Equal([2, 2], file.Info("bf16").Shape);
        Assert.Empty(file.Info("scalar").Shape);

        Assert.Equal(f32, file.ReadFloats("f32"));
        Assert.Equal(f64.Select(x => (float)x), file.ReadFloats("f64"));
        Assert.Equal(f16.Select(x => (float)x), file.ReadFloats("f16"));
        Assert.Equal([1f, -3.5f, BitConverter.Int32BitsToSingle(0x7E96 << 16), BitConverter.Int32BitsToSingle(0x3DCD << 16)], file.ReadFloats("bf16"));
        Assert.Equal(i64, file.ReadInt64("i64"));
        Assert.Equal(i32.Select(x => (long)x), file.ReadInt64("i32"));
        Assert.Equal(i32, file.ReadInt32("i32"));
        Assert.Equal(i8.Select(x => (int)x), file.ReadInt32("i8"));
        Assert.Equal(u8.Select(x => (long)x), file.ReadInt64("u8"));
        Assert.Equal(u8, file.ReadBytes("u8"));
        Assert.Equal([42f], file.ReadFloats("scalar"));
        Assert.Empty(file.ReadFloats("empty"));

        var cpu = TestBackends.Get("cpu");
        using var t = file.ReadTensor(cpu, "f32");
        Assert.Equal(new Shape(2, 3), t.Shape);
        Assert.Equal(f32, t.ToArray<float>());
        using var h = file.ReadTensor(cpu, "f16");
        Assert.Equal(f16.Select(x => (float)x), h.ToArray<float>());
        using var l = file.ReadTensor(cpu, "i64");
        Assert.Equal(i64, l.ToArray<long>());
        using var b = file.ReadTensor(cpu, "u8");
        Assert.Equal(DType.I32, b.DType);
        Assert.Equal([0, 200, 255], b.ToArray<int>());
    }

    [Fact]
    public void The_header_is_padded_to_eight_bytes_and_files_round_trip_byte_for_byte()
    {
        var bytes = new SafetensorsWriter().Add("x", [1f, 2f], 2).ToBytes();
        ulong headerLength = BitConverter.ToUInt64(bytes, 0);
        Assert.Equal(0UL, headerLength % 8);
        string path = PathOf("x.safetensors");
        File.WriteAllBytes(path, bytes);
        using var file = Safetensors.Open(path);
        var copy = new SafetensorsWriter();
        foreach (var info in file.Tensors) copy.Add(info.Name, info.DType, info.Shape, file.ReadBytes(info.Name));
        Assert.Equal(bytes, copy.ToBytes());
    }

    [Fact]
    public void The_transformers_warpers_fixture_lists_its_tensors()
    {
        using var file = Safetensors.Open(Fixtures.Path("hf/warpers.safetensors"));
        Assert.Equal(8, file.Tensors.Count);
        Assert.All(file.Tensors, t => Assert.Equal([6, 100], t.Shape));
        Assert.All(file.Tensors, t => Assert.Equal(SafetensorsDType.F32, t.DType));
        Assert.Contains("t0.7_k10_p0.9", file.Names);
        Assert.Equal(600, file.ReadFloats("logits").Length);
    }

    [Fact]
    public void Reading_a_missing_tensor_or_the_wrong_kind_names_the_tensor()
    {
        string path = PathOf("kinds.safetensors");
        new SafetensorsWriter().Add("ids", [1L, 5_000_000_000L], 2).Add("x", [1f], 1).Save(path);
        using var file = Safetensors.Open(path);
        Assert.Contains("'nope'", Assert.Throws<SafetensorsException>(() => file.ReadFloats("nope")).Message);
        Assert.Contains("I64", Assert.Throws<SafetensorsException>(() => file.ReadFloats("ids")).Message);
        Assert.Contains("F32", Assert.Throws<SafetensorsException>(() => file.ReadInt64("x")).Message);
        Assert.Contains("5000000000", Assert.Throws<SafetensorsException>(() => file.ReadInt32("ids")).Message);
    }

    [Fact]
    public void A_truncated_file_is_refused()
    {
        var bytes = new SafetensorsWriter().Add("a", new float[4], 4).Add("b", new float[8], 8).ToBytes();
        string path = PathOf("truncated.safetensors");
        File.WriteAllBytes(path, bytes[..^5]);
        Refused(path, "'b'", "past the end");
        File.WriteAllBytes(path, bytes[..5]);
        Refused(path, "too few");
        File.WriteAllBytes(path, bytes[..20]);
        Refused(path, "past the end of the file");
    }

    [Fact]
    public void Header_lengths_past_the_file_or_the_limit_are_refused_without_allocating_them()
    {
        Refused(Craft("{}", [], claimedLength: ulong.MaxValue), "exceeds");
        Refused(Craft("{}", [], claimedLength: 1UL << 40), "exceeds");
        Refused(Craft("{}", [], claimedLength: 50), "past the end of the file");

        // A header length above 100 MB inside a (sparse) file that really is that long.
        string path = PathOf("huge.safetensors");
        using (var stream = new FileStream(path, FileMode.Create))
        {
            stream.Write(BitConverter.GetBytes(150_000_000UL));
            stream.SetLength(150_000_100);
        }
        Refused(path, "100000000");
    }

    [Theory]
    [InlineData("{\"x\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 12]}}", "'x'", "8 bytes")]
    [InlineData("{\"x\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 20]}}", "'x'", "past the end")]
    [InlineData("{\"x\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [8, 4]}}", "'x'", "begin after end")]
    [InlineData("{\"x\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 12]}, \"y\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 16]}}", "'y'", "overlap")]
    [InlineData("{\"x\": {\"dtype\": \"Q9\", \"shape\": [4], \"data_offsets\": [0, 16]}}", "'x'", "Q9")]
    [InlineData("{\"x\": {\"dtype\": \"F32\", \"shape\": [-4], \"data_offsets\": [0, 16]}}", "'x'", "shape")]
    [InlineData("{\"x\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [-16, 0]}}", "'x'", "offset")]
    [InlineData("{\"x\": {\"dtype\": \"F32\", \"shape\": [4]}}", "'x'", "data_offsets")]
    [InlineData("{\"x\": {\"dtype\": \"F32\", \"shape\": [4294967296, 4294967296, 4294967296], \"data_offsets\": [0, 16]}}", "'x'", "shape")]
    [InlineData("{\"x\": {\"dtype\": \"F32\", \"shape\": [2147483647, 2147483647, 2147483647], \"data_offsets\": [0, 16]}}", "'x'", "too large")]
    [InlineData("{\"x\": 3}", "'x'", "object")]
    [InlineData("{\"__metadata__\": {\"format\": 1}}", "__metadata__", "format")]
    [InlineData("{\"x\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}, \"x\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", "'x'", "twice")]
    [InlineData("[1, 2]", "JSON object")]
    [InlineData("{\"x\": {\"dtype\": \"F32\", ", "not valid JSON")]
    [InlineData("", "not valid JSON")]
    public void A_lying_or_broken_header_is_refused_with_one_clear_message(string header, params string[] mentions) =>
        Refused(Craft(header, new byte[16]), mentions);

    [Fact]
    public void Invalid_utf8_in_the_header_is_refused()
    {
        string path = PathOf("utf8.safetensors");
        byte[] header = [(byte)'{', (byte)'"', 0xFF, 0xFE, (byte)'"', (byte)':', (byte)'1', (byte)'}'];
        File.WriteAllBytes(path, BitConverter.GetBytes((ulong)header.Length).Concat(header).ToArray());
        Refused(path, "JSON");
    }

    [Fact]
    public void Gaps_and_trailing_bytes_are_allowed_and_empty_tensors_may_share_an_offset()
    {
        string path = Craft("{\"a\": {\"dtype\": \"I32\", \"shape\": [1], \"data_offsets\": [4, 8]}, " +
                            "\"e\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [4, 4]}}",
            [0, 0, 0, 0, 7, 0, 0, 0, 9, 9]);
        using var file = Safetensors.Open(path);
        Assert.Equal([7], file.ReadInt32("a"));
        Assert.Empty(file.ReadFloats("e"));
    }

    [Fact]
    public void A_closed_file_refuses_reads()
    {
        string path = PathOf("closed.safetensors");
        new SafetensorsWriter().Add("x", [1f], 1).Save(path);
        var file = Safetensors.Open(path);
        file.Dispose();
        Assert.Throws<ObjectDisposedException>(() => file.ReadFloats("x"));
    }
}
