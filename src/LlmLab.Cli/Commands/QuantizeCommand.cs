using System.Globalization;
using LlmLab.Cli.Engine;
using LlmLab.Models.HuggingFace;
using LlmLab.Nn;

namespace LlmLab.Cli.Commands;

/// <summary>
/// <c>llmlab quantize</c>: every linear layer of a model folder in int8, Q8_0 or Q4_0 (with --token-embedding the
/// token embedding and a head tied to it too), saved as a folder that forward and generate load without quantising
/// again (<see cref="QuantizedCheckpoint"/>). Reports which layers were quantised, which stayed f32, the bytes the
/// embedding saves and the sizes before and after.
/// </summary>
public sealed class QuantizeCommand : ICommand
{
    /// <summary>Tokenizer files copied along, so generate --prompt works on the quantised folder too.</summary>
    private static readonly string[] TokenizerFiles =
        ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.json", "merges.txt", "vocab.txt", "spiece.model", "tokenizer.model", "added_tokens.json"];

    public string Name => "quantize";

    public string Summary => "quantise a model folder's linear layers (int8, q8_0, q4_0) into a folder forward/generate load";

    public string Usage => $$"""
        usage: llmlab quantize --model DIR --format int8|q8_0|q4_0 --output DIR [--token-embedding] [--backend NAME]

          --model DIR           a Hugging Face model folder
          --format F            int8: one absmax scale per output row (LLM.int8's vector-wise scheme);
                                q8_0, q4_0: ggml's blocks of 32 inputs with an fp16 scale each
          --output DIR          the quantised folder (created; must not be --model)
          --token-embedding     quantise the token embedding too (GPT-2's wte, Llama's embed_tokens), and so the
                                LM head when it is tied to it, as ggml's GPT-2 example does; q8_0 and q4_0 need
                                the model's width to be a multiple of 32
        {{BackendOption.Help}}

        Every linear layer is quantised; the token embedding (and a head tied to it) only with --token-embedding;
        other embeddings, norms and biases stay f32. q8_0 and q4_0 need a layer's input width to be a multiple of
        32: other layers stay f32 and are listed. The output holds config.json with "quantization_config":
        {"quant_method": "llmlab", ...} and model.safetensors under LlmLab's parameter names (quantised weights
        raw); transformers cannot read it, llmlab forward and generate can.

        """;

    public int Run(IReadOnlyList<string> args, CliContext context)
    {
        var options = new OptionParser()
            .Single(ModelFolder.ModelOption).Single("--format").Single("--output").Flag("--token-embedding").Single(BackendOption.Name)
            .Parse(args);
        string folder = ModelFolder.Required(options);
        string formatName = options.Value("--format") ?? throw CliException.Usage("no --format given: int8, q8_0 or q4_0");
        string output = options.Value("--output") ?? throw CliException.Usage("no --output given: the folder to write the quantised model to");
        var format = ParseFormat(formatName);
        if (Same(folder, output)) throw CliException.Usage("--output must be another folder than --model (the original is kept)");

        using var backend = BackendOption.Create(options.Value(BackendOption.Name));
        var model = ModelFolder.Load(backend, folder);
        bool tokenEmbedding = options.Has("--token-embedding");
        long before = QuantizedCheckpoint.StoredBytes(model.Module);
        var layers = UserErrors.Run(() => QuantizedCheckpoint.Quantize(model, format, tokenEmbedding));
        if (layers.Quantized.Count == 0)
            throw new CliException($"no linear layer of {model.Architecture} has an input width that is a multiple of 32, so {format.Name()} would quantise nothing; use int8");
        long after = QuantizedCheckpoint.StoredBytes(model.Module);
        UserErrors.Run(() =>
        {
            QuantizedCheckpoint.Save(model, output);
            foreach (string name in TokenizerFiles)
                if (File.Exists(Path.Combine(folder, name))) File.Copy(Path.Combine(folder, name), Path.Combine(output, name), overwrite: true);
        });

        var o = context.Out;
        int total = layers.Quantized.Count + layers.KeptF32.Count;
        o.WriteLine($"{model.Architecture} ({model.ModelType}): {layers.Quantized.Count} of {total} linear layers quantised to {format.Name()}");
        if (layers.KeptF32.Count > 0)
            o.WriteLine($"kept in f32 (input width not a multiple of 32): {string.Join(", ", layers.KeptF32)}");
        if (tokenEmbedding)
        {
            var table = model.TokenEmbedding;
            long f32 = table.Weight.Shape.ElementCount * sizeof(float);
            string head = model.TiedHead ? ", the tied LM head" : "";
            o.WriteLine($"token embedding {layers.Embeddings[0]}{head} [{table.Weight.Shape[0]}, {table.Weight.Shape[1]}]: {Size(f32)} -> {Size(table.WeightByteLength)} in {format.Name()}, {Size(f32 - table.WeightByteLength)} saved");
        }
        o.WriteLine($"parameters: {Size(before)} in f32 -> {Size(after)} ({Ratio(after, before)})");
        long fileAfter = new FileInfo(Path.Combine(output, HfWeights.SingleFile)).Length;
        o.WriteLine($"{HfWeights.SingleFile}: {Size(SourceBytes(folder))} -> {Size(fileAfter)}");
        o.WriteLine($"written to {output}");
        o.Flush();
        return 0;
    }

    private static WeightFormat ParseFormat(string name)
    {
        var format = UserErrors.Run(() => WeightFormats.Parse(name));
        return format == WeightFormat.F32
            ? throw CliException.Usage("--format f32 is not a quantised format (choose int8, q8_0 or q4_0)")
            : format;
    }

    private static bool Same(string a, string b) =>
        string.Equals(Path.GetFullPath(a).TrimEnd(Path.DirectorySeparatorChar), Path.GetFullPath(b).TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal);

    // The source's weight files as they lie on disk (a sharded folder counts every shard).
    private static long SourceBytes(string folder)
    {
        string single = Path.Combine(folder, HfWeights.SingleFile);
        if (File.Exists(single)) return new FileInfo(single).Length;
        return Directory.EnumerateFiles(folder, "model-*.safetensors").Sum(f => new FileInfo(f).Length);
    }

    private static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):F2} GiB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):F2} MiB"),
        >= 1L << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:F1} KiB"),
        _ => $"{bytes} B",
    };

    private static string Ratio(long after, long before) =>
        string.Create(CultureInfo.InvariantCulture, $"{100.0 * after / before:F1}% of f32");
}
