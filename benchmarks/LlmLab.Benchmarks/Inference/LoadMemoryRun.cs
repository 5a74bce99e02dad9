using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LlmLab.Backends;
using LlmLab.Generation;
using LlmLab.Models.HuggingFace;
using LlmLab.Nn;
using LlmLab.Quantization;
using Spectre.Console;

namespace LlmLab.Benchmarks.Inference;

/// <summary>
/// `load-memory [--folder DIR]`: the resident memory of a loaded quantised model against its file. Builds the
/// `inference` command's GPT-2-124M-shaped model (random weights), saves it in f32, quantises it to Q8_0 and Q4_0 with
/// the f32 head and with the token embedding (the tied head) quantised too, into DIR (a temporary folder unless
/// given), then loads each folder in a fresh process (`load-memory --model DIR`, Linux: /proc/self/status) and
/// prints the process's resident memory before loading, after loading (and a full collection), its peak, and after
/// greedy decoding of 8 tokens, beside the size of model.safetensors.
/// </summary>
public static class LoadMemoryRun
{
    public static int Run(string[] args)
    {
        if (args.Length == 2 && args[0] == "--model") return Measure(args[1]);
        string? folder = args.Length == 2 && args[0] == "--folder" ? args[1] : null;
        if (args.Length != 0 && folder is null)
        {
            Console.Error.WriteLine($"load-memory: bad arguments '{string.Join(' ', args)}'; usage: load-memory [--folder DIR] | load-memory --model DIR");
            return 2;
        }
        bool temporary = folder is null;
        folder ??= Directory.CreateTempSubdirectory("llmlab-load-memory-").FullName;
        try
        {
            var folders = Prepare(folder);
            var table = new Table().AddColumns("folder", "model.safetensors", "RSS at start", "RSS loaded", "loaded - start", "peak RSS", "RSS after decode", "tensors");
            foreach (string name in folders)
            {
                var m = Child(Path.Combine(folder, name));
                string Mb(long bytes) => (bytes / 1e6).ToString("F1", CultureInfo.InvariantCulture) + " MB";
                long added = m.Loaded - m.Start;
                table.AddRow(name, Mb(m.FileBytes), Mb(m.Start), Mb(m.Loaded), $"{Mb(added)} ({100.0 * added / m.FileBytes:F0}% of the file)",
                    Mb(m.Peak), Mb(m.Decoded), Mb(m.TensorBytes));
                Console.Error.WriteLine($"{name}: file {Mb(m.FileBytes)}, loaded {Mb(m.Loaded)} (start {Mb(m.Start)}), peak {Mb(m.Peak)}, after decode {Mb(m.Decoded)}");
            }
            AnsiConsole.Write(table);
            return 0;
        }
        finally
        {
            if (temporary) Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The f32 folder and the four quantised ones (made once; an existing folder is reused).</summary>
    private static string[] Prepare(string root)
    {
        string[] names = ["f32", "q8_0", "q4_0", "q8_0-head", "q4_0-head"];
        if (names.All(n => File.Exists(Path.Combine(root, n, HfWeights.SingleFile)))) return names;
        using var backend = Backend.Create("cpu");
        var model = HfCheckpoint.Create(backend, InferenceRun.Gpt2Config(), seed: 124);
        model.Save(Path.Combine(root, "f32"));
        foreach (string name in names.Skip(1))
        {
            var format = WeightFormats.Parse(name[..4]);
            QuantizedCheckpoint.Quantize(model, format, tokenEmbedding: name.EndsWith("-head", StringComparison.Ordinal));
            QuantizedCheckpoint.Save(model, Path.Combine(root, name));
            WeightQuantizer.Quantize(model.Module, WeightFormat.F32);
            Console.Error.WriteLine($"wrote {name}");
        }
        return names;
    }

    private sealed record Measurement(long FileBytes, long Start, long Loaded, long Peak, long Decoded, long TensorBytes);

    private static Measurement Child(string folder)
    {
        string self = Environment.ProcessPath ?? throw new InvalidOperationException("no process path to start the measurement from");
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") start.ArgumentList.Add(typeof(LoadMemoryRun).Assembly.Location);
        foreach (string a in new[] { "load-memory", "--model", folder }) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"measuring {folder} failed (exit {process.ExitCode})");
        return JsonSerializer.Deserialize<Measurement>(output.Trim().Split('\n')[^1])!;
    }

    // In the fresh process: the footprint before loading, loaded, at peak, and after decoding a few tokens.
    private static int Measure(string folder)
    {
        using var backend = Backend.Create("cpu");
        long start = Settled();
        var model = HfCheckpoint.Load(backend, folder);
        long loaded = Settled();
        long peak = Status("VmHWM");
        long tensors = backend.TensorMemory.LiveBytes;
        model.Generate([.. Enumerable.Range(0, 16).Select(i => i * 31 % model.VocabularySize)], new GenerationOptions { MaxNewTokens = 8, StopTokens = [] });
        long decoded = Settled();
        GC.KeepAlive(model);
        long file = new FileInfo(Path.Combine(folder, HfWeights.SingleFile)).Length;
        Console.WriteLine(JsonSerializer.Serialize(new Measurement(file, start, loaded, peak, decoded, tensors)));
        return 0;
    }

    /// <summary>VmRSS after a full, compacting collection that gives free memory back to the system.</summary>
    private static long Settled()
    {
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return Status("VmRSS");
    }

    /// <summary>A /proc/self/status figure ("VmRSS:  123 kB") in bytes.</summary>
    private static long Status(string key)
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(key + ":", StringComparison.Ordinal))
                return long.Parse(line[(key.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        throw new InvalidOperationException($"/proc/self/status has no {key} (load-memory needs Linux)");
    }
}
