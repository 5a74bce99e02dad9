using LlmLab.Backends;
using LlmLab.IO;
using LlmLab.Models;
using LlmLab.Tensors;

namespace LlmLab.Alignment;

/// <summary>
/// A reward model's folder: the GPT as <see cref="GptFiles"/> writes any model (config.json, model.safetensors with its
/// checksum) and the head in score.safetensors ("score.weight" [1, C]), each written atomically; loading checks the
/// head's shape against the model before building anything.
/// </summary>
public static class RewardModelFiles
{
    public const string ScoreFile = "score.safetensors";
    public const string ScoreTensor = "score.weight";

    public static void Save(RewardModel model, string folder)
    {
        GptFiles.Save(model.Transformer, folder);
        var head = new SafetensorsWriter();
        head.Metadata["format"] = "pt";
        head.Add(ScoreTensor, model.Score.Weight.Data.ToArray<float>(), model.Score.Weight.Shape.ToArray());
        head.Save(Path.Combine(folder, ScoreFile));
    }

    public static RewardModel Load(IBackend backend, string folder)
    {
        var transformer = GptFiles.Load(backend, folder);
        string path = Path.Combine(folder, ScoreFile);
        if (!File.Exists(path)) throw new InvalidDataException($"{folder}: no {ScoreFile}; this is a language model, not a reward model");
        float[] weight;
        using (var file = Safetensors.Open(path))
        {
            var shape = file.Info(ScoreTensor).Shape;
            if (shape.Length != 2 || shape[0] != 1 || shape[1] != transformer.Config.Width)
                throw new InvalidDataException($"{path}: '{ScoreTensor}' has shape [{string.Join(", ", shape)}], not [1, {transformer.Config.Width}]");
            weight = file.ReadFloats(ScoreTensor);
        }
        var model = new RewardModel(transformer, seed: 0);
        using var source = Tensor.From(backend, weight, 1, transformer.Config.Width);
        var target = model.Score.Weight.Data;
        backend.Copy(source.Storage, source.ByteOffset, target.Storage, target.ByteOffset, target.ByteLength);
        return model;
    }
}
