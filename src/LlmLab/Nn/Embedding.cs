using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Random;
using LlmLab.Tensors;

namespace LlmLab.Nn;

/// <summary>
/// A [count, dim] table of learned vectors, N(0, std) at initialisation; rows picked by id. It can be stored
/// quantised (<see cref="Quantize"/>) for inference, as ggml stores GPT-2's wte: a lookup then dequantises only the
/// rows it picks, and as a tied LM head (<see cref="Project"/>) the table goes through the quantised matmul.
/// </summary>
public sealed class Embedding : Module
{
    public Embedding(IBackend backend, int count, int dim, RandomStream init, float std = 0.02f) =>
        Weight = Parameter("weight", backend, new Shape(count, dim), () => init.Normal((long)count * dim, std));

    public Variable Weight { get; }

    /// <summary>How the table is stored: f32 (<see cref="Weight"/> itself) or a quantised copy of it.</summary>
    public WeightFormat Format { get; private set; }

    /// <summary>The quantised table lookups and <see cref="Project"/> read; null in f32.</summary>
    public QuantizedWeight? QuantizedWeight { get; private set; }

    /// <summary>Bytes of the table as lookups read it (f32, or the quantised values with their scales).</summary>
    public long WeightByteLength => QuantizedWeight?.ByteLength() ?? Weight.Shape.ElementCount * sizeof(float);

    /// <summary>
    /// Stores the table in <paramref name="format"/> (int8 per row, or Q8_0/Q4_0, which need a row width that is a
    /// multiple of 32), quantised from the f32 <see cref="Weight"/>, which is kept: <see cref="WeightFormat.F32"/>
    /// goes back to it exactly. A quantised table is frozen: lookups and the head pass no gradient to it.
    /// </summary>
    public void Quantize(WeightFormat format)
    {
        QuantizedParameter.CheckBlocks(format, Weight.Shape[1], "this embedding");
        var f32 = Weight.Data;
        Interleaved.Drop();
        var next = format == WeightFormat.F32 ? null : WeightFormats.Quantize(f32, format);
        QuantizedWeight?.Release();
        QuantizedWeight = next;
        Format = format;
    }

    /// <summary>
    /// Installs a table quantised elsewhere (read from a quantised checkpoint) as it is; the embedding owns it from
    /// now on and holds no f32 table: <see cref="Weight"/>'s values are the dequantised ones, made when asked for.
    /// </summary>
    public void InstallQuantized(QuantizedWeight weight)
    {
        QuantizedParameter.CheckFits(weight, Weight, "an embedding");
        Interleaved.Drop();
        QuantizedWeight?.Release();
        QuantizedWeight = weight;
        Format = QuantizedParameter.FormatOf(weight);
        Weight.Defer(() => QuantizedWeight!.Dequantize());
    }

    /// <summary>
    /// Stores the f32 table in the backend's inference layout (<see cref="IBackend.Interleave"/>) in place of
    /// [count, dim], as <see cref="Linear.Interleave"/> does: a tied head (<see cref="Project"/>) on an inference
    /// tape decodes through it, and lookups pick rows from it, with the same bits. Reading <see cref="Weight"/>'s
    /// tensor makes it the table again. A quantised table stays as it is (returns false).
    /// </summary>
    public bool Interleave()
    {
        if (QuantizedWeight is not null) return false;
        Interleaved.Interleave();
        return true;
    }

    private InterleavedParameter? _interleaved;
    private InterleavedParameter Interleaved => _interleaved ??= new(Weight);

    /// <summary>The rows of the table that <paramref name="ids"/> pick: [..ids, dim].</summary>
    public Variable Forward(Tape tape, Tensor ids) =>
        QuantizedWeight is { } quantized ? tape.QuantizedEmbedding(quantized, ids)
        : !tape.RecordsGradients && Interleaved.Current is { } interleaved ? tape.InterleavedEmbedding(interleaved, ids)
        : tape.Embedding(Weight, ids);

    /// <summary>
    /// The table as a tied output layer: <paramref name="hidden"/> [..., dim] times the tableᵀ, plus
    /// <paramref name="bias"/> [count]: logits [..., count]. A quantised table takes the quantised matmul, so decoding
    /// uses integer dots as ggml does.
    /// </summary>
    public Variable Project(Tape tape, Variable hidden, Variable? bias = null) =>
        QuantizedWeight is { } quantized ? tape.QuantizedLinear(hidden, quantized, bias)
        : !tape.RecordsGradients && Interleaved.Current is { } interleaved ? tape.InterleavedLinear(hidden, interleaved, bias)
        : tape.MatMul(hidden, Weight, transposeB: true, bias: bias);
}
