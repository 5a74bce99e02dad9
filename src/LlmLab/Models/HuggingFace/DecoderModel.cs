using System.Text.Json.Nodes;
using LlmLab.Autograd;
using LlmLab.Generation;
using LlmLab.Nn;

namespace LlmLab.Models.HuggingFace;

/// <summary>A decoder-only checkpoint (GPT-2, Llama) held as LlmLab's <see cref="Models.Gpt"/>.</summary>
public abstract class DecoderModel(Gpt gpt, JsonObject config, JsonObject? generationConfig)
    : HfModel(gpt.Backend, config, generationConfig)
{
    public Gpt Gpt { get; } = gpt;
    public override ModelFamily Family => ModelFamily.DecoderOnly;
    public override Module Module => Gpt;
    public override int VocabularySize => Gpt.Config.VocabularySize;

    public override Variable Forward(Tape tape, ModelInputs inputs)
    {
        if (inputs.DecoderInputIds is not null)
            throw new ArgumentException($"{Architecture} is decoder-only: it takes no decoder_input_ids");
        if (inputs.AttentionMask is { } mask && HasPadding(mask))
            throw new ArgumentException($"{Architecture}: padded inputs (zeros in attention_mask) are not supported; run rows of different lengths separately");
        return Gpt.Forward(tape, inputs.InputIds);
    }

    public override int[] Generate(IReadOnlyList<int> prompt, GenerationOptions options, Action<int>? onToken = null)
    {
        var stops = options with { StopTokens = options.StopTokens.Concat(EosTokenIds).Distinct().ToArray() };
        var generated = Generator.Generate(Gpt, [prompt.ToArray()], stops, onToken is null ? null : (_, token) => onToken(token))[0];
        return prompt.Concat(generated).ToArray();
    }

    private static bool HasPadding(Tensors.Tensor mask) => mask.DType == Tensors.DType.I64
        ? mask.ToArray<long>().Any(m => m == 0)
        : mask.ToArray<int>().Any(m => m == 0);

    // Columns [start, start + count) of a row-major [rows, columns] matrix, transposed: [count, rows]. GPT-2's
    // Conv1D stores [in, out]; LlmLab's Linear holds [out, in].
    protected static float[] TransposeColumns(float[] matrix, int rows, int columns, int start, int count)
    {
        var result = new float[count * rows];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < count; j++)
                result[j * rows + r] = matrix[r * columns + start + j];
        return result;
    }
}
