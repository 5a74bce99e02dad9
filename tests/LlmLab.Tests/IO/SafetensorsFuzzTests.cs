using System.Text;
using LlmLab.IO;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;

namespace LlmLab.Tests.IO;

/// <summary>
/// Property tests of the safetensors reader on hostile files: random bytes, every truncation of a valid file, bytes
/// flipped in its header, and headers whose entries lie about dtypes, shapes and offsets. The property: opening and
/// then reading every tensor either succeeds with exactly the bytes the header describes (all inside the file) or
/// fails with one <see cref="SafetensorsException"/>; never another exception, a hang or an allocation the file's
/// size does not justify (a lying length or shape cannot make the reader allocate more than the file holds).
/// </summary>
public sealed class SafetensorsFuzzTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("llmlab-safetensors-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Random_bytes_are_refused_cleanly()
    {
        var random = new System.Random(6);
        for (int trial = 0; trial < 300; trial++)
        {
            var bytes = new byte[random.Next(0, 200)];
            random.NextBytes(bytes);
            if (bytes.Length >= 8 && trial % 2 == 0)
                BitConverter.GetBytes((ulong)random.Next(0, bytes.Length - 7)).CopyTo(bytes, 0);   // plausible lengths too
            OpensOrRefuses(bytes);
        }
    }

    [Fact]
    public void Every_truncation_of_a_valid_file_is_refused_or_read_whole()
    {
        var valid = ValidFile();
        for (int length = 0; length < valid.Length; length++)
            OpensOrRefuses(valid[..length]);
        Assert.Equal(3, OpensOrRefuses(valid));
    }

    [Fact]
    public void Flipped_header_bytes_never_escape_as_other_exceptions()
    {
        var valid = ValidFile();
        int headerEnd = 8 + (int)BitConverter.ToUInt64(valid, 0);
        var random = new System.Random(7);
        for (int trial = 0; trial < 1000; trial++)
        {
            var bytes = (byte[])valid.Clone();
            for (int flips = random.Next(1, 4); flips > 0; flips--)
                bytes[random.Next(0, headerEnd)] = (byte)random.Next(256);
            OpensOrRefuses(bytes);
        }
    }

    [Fact]
    public void Lying_headers_are_refused_or_stay_inside_the_file()
    {
        var random = new System.Random(8);
        string[] dtypes = ["F32", "F16", "BF16", "I64", "I32", "I8", "U8", "BOOL", "F64", "Q4", "f32", ""];
        long[] numbers = [0, 1, 2, 3, 4, 7, 8, 16, 24, 64, -1, int.MaxValue, uint.MaxValue, long.MaxValue];
        for (int trial = 0; trial < 500; trial++)
        {
            var header = new StringBuilder("{");
            int entries = random.Next(0, 4);
            for (int e = 0; e < entries; e++)
            {
                string shape = string.Join(",", Enumerable.Range(0, random.Next(0, 4)).Select(_ => numbers[random.Next(numbers.Length)]));
                long begin = numbers[random.Next(numbers.Length)], end = numbers[random.Next(numbers.Length)];
                header.Append(e > 0 ? "," : "")
                      .Append($"\"t{e}\":{{\"dtype\":\"{dtypes[random.Next(dtypes.Length)]}\",\"shape\":[{shape}],\"data_offsets\":[{begin},{end}]}}");
            }
            header.Append('}');
            var json = Encoding.UTF8.GetBytes(header.ToString());
            var data = new byte[random.Next(0, 64)];
            random.NextBytes(data);
            OpensOrRefuses([.. BitConverter.GetBytes((ulong)json.Length), .. json, .. data]);
        }
    }

    /// <summary>Opens the bytes as a file and reads every tensor; returns how many it read (0 when refused).</summary>
    private int OpensOrRefuses(byte[] bytes)
    {
        string path = Path.Combine(_folder, "fuzz.safetensors");
        File.WriteAllBytes(path, bytes);
        try
        {
            using var file = Safetensors.Open(path);
            foreach (var info in file.Tensors)
            {
                Assert.InRange(info.Begin, 0, bytes.Length);
                Assert.InRange(info.End, info.Begin, bytes.Length);
                Assert.Equal(info.End - info.Begin, file.ReadBytes(info.Name).Length);
            }
            return file.Tensors.Count;
        }
        catch (SafetensorsException e)
        {
            Assert.Contains(path, e.Message);
            return 0;
        }
    }

    private byte[] ValidFile()
    {
        string path = Path.Combine(_folder, "valid.safetensors");
        new SafetensorsWriter()
            .Add("weight", TestData.Uniform(1, 6), 2, 3)
            .Add("ids", new long[] { 1, 2, 3 }, 3)
            .Add("half", new Half[] { (Half)1, (Half)(-2) }, 2)
            .Save(path);
        return File.ReadAllBytes(path);
    }
}
