using LlmLab.Backends;
using LlmLab.IO;
using LlmLab.Models.HuggingFace;
using LlmLab.Tensors;

namespace LlmLab.Cli.Engine;

/// <summary>
/// The inputs file of <c>llmlab forward</c>: a safetensors file with int64 <c>input_ids</c> [batch, seq] and, where
/// the model uses them, <c>attention_mask</c> (an integer or bool tensor of the same shape, 0 = padding) and int64
/// <c>decoder_input_ids</c> [batch, decoderSeq] — what a transformers tokenizer returns, saved with
/// safetensors.torch.save_file. Checked when opened, so a bad file fails before the model loads.
/// </summary>
internal sealed class InputsFile : IDisposable
{
    public const string InputIds = "input_ids";
    public const string AttentionMask = "attention_mask";
    public const string DecoderInputIds = "decoder_input_ids";

    private readonly Safetensors _file;

    private InputsFile(Safetensors file) => _file = file;

    public static InputsFile Open(string path)
    {
        if (!File.Exists(path)) throw new CliException($"{path}: no such file");
        var file = UserErrors.Run(() => Safetensors.Open(path));
        try
        {
            if (!file.Contains(InputIds))
                throw new CliException($"{path}: no '{InputIds}' tensor (int64 [batch, seq]); it holds {Names(file)}");
            var ids = Ids(file, InputIds);
            if (file.Contains(AttentionMask))
            {
                var mask = file.Info(AttentionMask);
                if (mask.DType is not (SafetensorsDType.I64 or SafetensorsDType.I32 or SafetensorsDType.I8 or SafetensorsDType.U8 or SafetensorsDType.BOOL))
                    throw new CliException($"{path}: '{AttentionMask}' is {mask.DType}, expected an integer or bool tensor");
                if (!mask.Shape.SequenceEqual(ids.Shape))
                    throw new CliException($"{path}: '{AttentionMask}' is {Shape(mask.Shape)}, expected the shape of '{InputIds}', {Shape(ids.Shape)}");
            }
            if (file.Contains(DecoderInputIds))
            {
                var decoder = Ids(file, DecoderInputIds);
                if (decoder.Shape[0] != ids.Shape[0])
                    throw new CliException($"{path}: '{DecoderInputIds}' has {decoder.Shape[0]} rows, '{InputIds}' {ids.Shape[0]}");
            }
            return new InputsFile(file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>The inputs as tensors on <paramref name="backend"/> (ids i64, the mask i64 or i32).</summary>
    public ModelInputs Read(IBackend backend) => new(
        _file.ReadTensor(backend, InputIds),
        _file.Contains(AttentionMask) ? _file.ReadTensor(backend, AttentionMask) : null,
        _file.Contains(DecoderInputIds) ? _file.ReadTensor(backend, DecoderInputIds) : null);

    public void Dispose() => _file.Dispose();

    private static SafetensorsTensorInfo Ids(Safetensors file, string name)
    {
        var info = file.Info(name);
        if (info.DType != SafetensorsDType.I64)
            throw new CliException($"{file.Path}: '{name}' is {info.DType}, expected int64 (I64) token ids");
        if (info.Shape.Length != 2 || info.Shape[0] == 0 || info.Shape[1] == 0)
            throw new CliException($"{file.Path}: '{name}' is {Shape(info.Shape)}, expected [batch, seq] with both at least 1");
        return info;
    }

    private static string Names(Safetensors file) =>
        file.Tensors.Count == 0 ? "no tensors" : string.Join(", ", file.Names.Take(5).Select(n => $"'{n}'")) + (file.Tensors.Count > 5 ? ", ..." : "");

    private static string Shape(int[] shape) => "[" + string.Join(", ", shape) + "]";
}
