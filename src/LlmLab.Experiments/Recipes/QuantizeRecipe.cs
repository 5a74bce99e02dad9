using LlmLab.Nn;
using LlmLab.Quantization;

namespace LlmLab.Experiments;

/// <summary>One row of the quantize recipe: the model's size in a format and its held-out score in it.</summary>
public sealed record QuantizationResult(QuantizationSummary Size, HeldOutScore Score)
{
    public WeightFormat Format => Size.Format;
}

/// <summary>
/// The quantize recipe: a model (loaded or pre-trained here), scored on held-out corpus text in f32, then with its
/// linear layers in each format in turn (<see cref="WeightQuantizer"/>), always on the same windows. Report: bytes,
/// compression and perplexity per format, and which tensors are quantised.
/// </summary>
public static class QuantizeRecipe
{
    /// <summary>Context windows a forward pass when scoring (the pretrain recipe's batch).</summary>
    public const int BatchSize = 12;

    public static void Run(QuantizeConfig config, ExperimentContext context)
    {
        Formats(config);   // a mistake shows before minutes of pre-training
        Compare(ModelSource.Obtain(context, config.BaseModel, config.PretrainSteps, config.Tokenizer, config.VocabularySize,
            checkpointInterval: config.CheckpointInterval), config, context);
    }

    /// <summary>
    /// f32 first, then each format, recorded as two tables titled "quantize: ...". The model is back in f32 when it
    /// returns (<c>WeightQuantizer.Quantize(model.Model, format)</c> puts it in a format for later stages).
    /// </summary>
    public static IReadOnlyList<QuantizationResult> Compare(TinyGpt model, QuantizeConfig config, ExperimentContext context)
    {
        var formats = Formats(config);
        string text = HeldOutText.AtLeast(context.Seed, model.Tokenizer, config.EvaluationBatches * BatchSize * model.Model.Config.Context + 1);
        var results = new List<QuantizationResult>();
        using var progress = context.Progress("quantize", formats.Count + 1);
        try
        {
            foreach (var format in (IEnumerable<WeightFormat>)[WeightFormat.F32, .. formats])
            {
                var embedding = config.QuantizeTokenEmbedding && format != WeightFormat.F32 ? model.Model.TokenEmbedding : null;
                var size = WeightQuantizer.Quantize(model.Model, format, embedding);
                var score = HeldOutScore.Measure(model, text, BatchSize, config.EvaluationBatches, context.Cancellation);
                context.Log($"quantize: {format.Name()}: linear weights {size.LinearBytes:N0} bytes, perplexity {NumberFormat.Significant(score.Perplexity)} on {score.Tokens:N0} tokens");
                results.Add(new QuantizationResult(size, score));
                progress.Increment();
            }
        }
        finally
        {
            WeightQuantizer.Quantize(model.Model, WeightFormat.F32);
        }
        Report(model, results, config.QuantizeTokenEmbedding, context);
        return results;
    }

    /// <summary>The formats <see cref="QuantizeConfig.Formats"/> names, in order, without f32 (always measured) or repeats.</summary>
    public static IReadOnlyList<WeightFormat> Formats(QuantizeConfig config)
    {
        var formats = new List<WeightFormat>();
        foreach (string name in config.Formats.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            WeightFormat format;
            try
            {
                format = WeightFormats.Parse(name);
            }
            catch (ArgumentException e)
            {
                throw new ExperimentConfigException($"Formats: {e.Message}");
            }
            if (format != WeightFormat.F32 && !formats.Contains(format)) formats.Add(format);
        }
        return formats;
    }

    private static void Report(TinyGpt model, IReadOnlyList<QuantizationResult> results, bool tokenEmbedding, ExperimentContext context)
    {
        var f32 = results[0];
        double Change(QuantizationResult r) => r.Score.Perplexity / f32.Score.Perplexity - 1;
        context.Table("quantize: size and perplexity",
            ["format", "linear weight bytes", "model bytes", "linear compression (x)", "model compression (x)", "perplexity", "perplexity change (%)"],
            results.Select(r => (IReadOnlyList<object?>)[r.Format.Name(), r.Size.LinearBytes, r.Size.ModelBytes,
                (double)f32.Size.LinearBytes / r.Size.LinearBytes, (double)f32.Size.ModelBytes / r.Size.ModelBytes, r.Score.Perplexity, 100 * Change(r)]),
            SizeSentence(results, Change));

        // What the formats touch: the linear weights; the rest of the parameters stay f32.
        var linears = WeightQuantizer.Linears(model.Model);
        var linearWeights = linears.Select(l => l.Name + ".weight").ToHashSet();
        var parameters = model.Model.NamedParameters().ToList();
        long total = parameters.Sum(p => p.Parameter.Shape.ElementCount);
        long Count(Func<string, bool> which) => parameters.Where(p => which(p.Name)).Sum(p => p.Parameter.Shape.ElementCount);
        bool IsEmbedding(string name) => name is "wte.weight" or "wpe.weight";
        string formats = results.Count > 1 ? string.Join(", ", results.Skip(1).Select(r => r.Format.Name())) : "f32";
        bool head = linears.Any(l => l.Name == "lm_head");
        var rows = new List<IReadOnlyList<object?>>
        {
            new object?[] { $"linear weights ({linears.Count} layers: attention q/k/v/o, MLP{(head ? ", LM head" : "")})", Count(linearWeights.Contains), formats },
            new object?[] { model.Model.Config.TiedEmbeddings ? "token embedding (also the tied LM head)" : "token embedding", Count(n => n == "wte.weight"), tokenEmbedding ? formats : "f32" },
        };
        if (model.Model.PositionEmbedding is not null) rows.Add(["position embedding", Count(n => n == "wpe.weight"), "f32"]);
        rows.Add(["norms and biases", Count(n => !linearWeights.Contains(n) && !IsEmbedding(n)), "f32"]);
        long quantized = Count(linearWeights.Contains) + (tokenEmbedding ? Count(n => n == "wte.weight") : 0);
        context.Table("quantize: what is quantised",
            ["tensors", "parameters", "stored as"],
            rows,
            $"{NumberFormat.Percent((double)quantized / total)} of the {total:N0} parameters are linear weights{(tokenEmbedding ? " or the token embedding" : "")} and take the quantised format; the rest stay f32.");

        foreach (var r in results) context.Summary($"{r.Format.Name()} perplexity", r.Score.Perplexity);
    }

    private static string SizeSentence(IReadOnlyList<QuantizationResult> results, Func<QuantizationResult, double> change)
    {
        var f32 = results[0];
        string ppl = NumberFormat.Significant(f32.Score.Perplexity);
        if (results.Count == 1) return $"In f32 the linear weights take {f32.Size.LinearBytes:N0} bytes and the model scores perplexity {ppl}.";
        string Ratio(QuantizationResult r) => NumberFormat.Ratio((double)f32.Size.LinearBytes / r.Size.LinearBytes) + "x";
        string Delta(QuantizationResult r) => $"{(change(r) >= 0 ? "+" : "-")}{NumberFormat.Significant(Math.Abs(100 * change(r)))}%";
        var smallest = results.Skip(1).MaxBy(r => (double)f32.Size.LinearBytes / r.Size.LinearBytes)!;
        string text = $"{smallest.Format.Name()} stores the linear weights {Ratio(smallest)} smaller than f32 (the whole model "
            + $"{NumberFormat.Ratio((double)f32.Size.ModelBytes / smallest.Size.ModelBytes)}x) for a perplexity of "
            + $"{NumberFormat.Significant(smallest.Score.Perplexity)} against {ppl} ({Delta(smallest)})";
        var others = results.Skip(1).Where(r => r != smallest).Select(r => $"{r.Format.Name()} ({Ratio(r)}) {Delta(r)}").ToList();
        return others.Count == 0 ? text + "." : text + "; " + string.Join(", ", others) + ".";
    }
}
