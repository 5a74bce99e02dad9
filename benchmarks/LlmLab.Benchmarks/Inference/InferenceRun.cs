using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Backends.Cpu;
using LlmLab.Generation;
using LlmLab.Models.HuggingFace;
using LlmLab.Nn;
using LlmLab.Quantization;
using LlmLab.Tensors;
using Spectre.Console;

namespace LlmLab.Benchmarks.Inference;

/// <summary>
/// `inference [--backend B] [--threads LIST] [--tokens N] [--new M] [--repeats R] [--formats LIST] [--layout L]`: a GPT-2-shaped
/// 124M-parameter model (12 layers, 12 heads, width 768, vocabulary 50257, random weights) built through the Hugging
/// Face GPT-2 architecture, timed with its linear layers in f32, int8, Q8_0 and Q4_0, and in Q8_0 and Q4_0 with the
/// tied head (wte) quantised too ("q8_0+head", "q4_0+head", as ggml's GPT-2 example stores it): prefill, the forward
/// pass over N tokens (median of R, as tokens/s and GFLOP/s), and greedy generation of M tokens with the KV cache
/// after a 16-token prompt (tokens/s of the decode steps: M / (min of R runs of prompt + M tokens - min of R runs of
/// prompt + 1)), with the bytes the weights take; on cpu once per thread count of --threads (default: LLMLAB_THREADS,
/// else every core). The weights left in f32 (all of them in f32, the head in the other formats) are in the backend's
/// inference layout (<see cref="InferenceLayout"/>), or stored [out, in] with --layout plain.
/// </summary>
public static class InferenceRun
{
    public static int Run(string[] args)
    {
        string backendName = "cpu", formats = "f32,int8,q8_0,q4_0,q8_0+head,q4_0+head", threadList = "", layout = "interleaved";
        int tokens = 128, newTokens = 32, repeats = 5;
        for (int i = 0; i < args.Length; i++)
        {
            bool hasValue = i + 1 < args.Length, ok = args[i] switch
            {
                "--backend" when hasValue => !string.IsNullOrWhiteSpace(backendName = args[++i]),
                "--tokens" when hasValue => int.TryParse(args[++i], out tokens) && tokens > 0,
                "--new" when hasValue => int.TryParse(args[++i], out newTokens) && newTokens > 0,
                "--repeats" when hasValue => int.TryParse(args[++i], out repeats) && repeats > 0,
                "--formats" when hasValue => !string.IsNullOrWhiteSpace(formats = args[++i]),
                "--threads" when hasValue => !string.IsNullOrWhiteSpace(threadList = args[++i]),
                "--layout" when hasValue => (layout = args[++i]) is "interleaved" or "plain",
                _ => false,
            };
            if (!ok)
            {
                Console.Error.WriteLine($"inference: unknown or bad argument '{args[i]}'; usage: inference [--backend B] [--threads 1,2] [--tokens N] [--new M] [--repeats R] [--formats f32,int8,q8_0,q4_0,q8_0+head,q4_0+head] [--layout interleaved|plain]");
                return 2;
            }
        }

        var rows = new List<(string Name, WeightFormat Format, bool Head)>();
        foreach (string row in formats.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            bool head = row.EndsWith("+head", StringComparison.Ordinal);
            try { rows.Add((row, WeightFormats.Parse(head ? row[..^"+head".Length] : row), head)); }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"inference: --formats: {e.Message} (a format may end in +head: the tied head quantised too)");
                return 2;
            }
        }

        int?[] threadCounts;
        try
        {
            threadCounts = threadList.Length == 0 ? [null]
                : [.. threadList.Split(',', StringSplitOptions.TrimEntries).Select(t => int.TryParse(t, out int n) && n > 0 ? (int?)n : throw new FormatException(t))];
        }
        catch (FormatException e)
        {
            Console.Error.WriteLine($"inference: --threads: '{e.Message}' is not a positive thread count (a comma-separated list, e.g. 1,2)");
            return 2;
        }

        var table = new Table().AddColumns("weights", "threads", "weight bytes", $"prefill {tokens} tokens (median ms)", "prefill tok/s", "GFLOP/s",
            $"greedy decode tok/s ({newTokens} new, min of {repeats})");
        foreach (int? threads in threadCounts)
        {
            using var backend = Backend.Create(backendName, threads);
            string threadLabel = backend is CpuBackend cpu ? cpu.Threads.ToString(CultureInfo.InvariantCulture) : "-";
            var clock = Stopwatch.StartNew();
            var model = HfCheckpoint.Create(backend, Gpt2Config(), seed: 124);
            Console.Error.WriteLine($"built {model.Module.ParameterCount():N0} parameters in {clock.Elapsed.TotalSeconds:F1} s ({threadLabel} threads)");
            double flops = 2.0 * model.Module.ParameterCount() * tokens;   // multiply-adds of every weight, once per token
            foreach (var (row, format, head) in rows)
            {
                var summary = WeightQuantizer.Quantize(model.Module, format, head ? model.TokenEmbedding : null);
                if (layout == "interleaved") InferenceLayout.Interleave(model.Module);
                double forwardMs = Median(repeats, () => Forward(model, tokens));
                double decode = Decode(model, newTokens, repeats);
                table.AddRow(row, threadLabel, $"{summary.ModelBytes / 1e6:F1} MB", forwardMs.ToString("F1", CultureInfo.InvariantCulture),
                    (tokens / forwardMs * 1000).ToString("F0", CultureInfo.InvariantCulture), (flops / forwardMs / 1e6).ToString("F1", CultureInfo.InvariantCulture),
                    decode.ToString("F1", CultureInfo.InvariantCulture));
                Console.Error.WriteLine($"{row}, {threadLabel} threads: prefill {forwardMs:F1} ms, decode {decode:F1} tok/s, {summary.ModelBytes / 1e6:F1} MB");
            }
        }
        AnsiConsole.Write(table);
        return 0;
    }

    /// <summary>GPT-2-124M's config.json: 12 layers, 12 heads, width 768, 1024 positions, vocabulary 50257.</summary>
    public static JsonObject Gpt2Config() => new()
    {
        ["model_type"] = "gpt2", ["architectures"] = new JsonArray("GPT2LMHeadModel"), ["vocab_size"] = 50257, ["n_positions"] = 1024,
        ["n_embd"] = 768, ["n_layer"] = 12, ["n_head"] = 12,
    };

    private static double Forward(HfModel model, int tokens)
    {
        var ids = Enumerable.Range(0, tokens).Select(i => i * 7919 % model.VocabularySize).ToArray();
        using var input = Tensor.From(model.Backend, ids, 1, tokens);
        var clock = Stopwatch.StartNew();
        using var tape = new Tape(model.Backend, recordGradients: false);
        model.Forward(tape, new ModelInputs(input));
        model.Backend.Synchronize();
        return clock.Elapsed.TotalMilliseconds;
    }

    // Decode tokens/s: a timed generation of prompt + n tokens minus a prompt-only one (the prefill), so only the
    // one-token steps through the KV cache count; the fastest of the runs of each, which a busy machine slows least.
    private static double Decode(HfModel model, int newTokens, int repeats)
    {
        int[] prompt = Enumerable.Range(0, 16).Select(i => i * 31 % model.VocabularySize).ToArray();
        double Generate(int count)
        {
            var clock = Stopwatch.StartNew();
            model.Generate(prompt, new GenerationOptions { MaxNewTokens = count, StopTokens = [] });
            return clock.Elapsed.TotalMilliseconds;
        }
        Generate(2);   // warm-up
        double prefill = Min(repeats, () => Generate(1)), full = Min(repeats, () => Generate(newTokens + 1));
        return newTokens / ((full - prefill) / 1000);
    }

    private static double Min(int repeats, Func<double> run) => Enumerable.Range(0, repeats).Min(_ => run());

    private static double Median(int repeats, Func<double> run)
    {
        run();   // warm-up
        var times = Enumerable.Range(0, repeats).Select(_ => run()).Order().ToArray();
        return times[times.Length / 2];
    }
}
