namespace LlmLab.IO;

/// <summary>A safetensors file that cannot be read as it claims: the message names the file and, where one is to
/// blame, the tensor.</summary>
public sealed class SafetensorsException : Exception
{
    public SafetensorsException(string path, string? tensor, string problem, Exception? inner = null)
        : base($"{path}: " + (tensor is null ? "" : $"tensor '{tensor}': ") + problem, inner)
    {
        FilePath = path;
        Tensor = tensor;
    }

    public string FilePath { get; }
    public string? Tensor { get; }
}
