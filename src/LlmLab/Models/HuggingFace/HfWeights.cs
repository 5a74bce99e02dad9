using System.Text.Json;
using LlmLab.IO;

namespace LlmLab.Models.HuggingFace;

/// <summary>
/// The weights of a Hugging Face folder: <c>model.safetensors</c>, or the shards that
/// <c>model.safetensors.index.json</c>'s weight_map names. Opening maps every file (lazily: nothing is read until a
/// tensor is asked for) and checks that each tensor sits in the shard the index claims. A folder holding only
/// <c>pytorch_model.bin</c> is refused: it is a pickle, and unpickling can run any code the file contains.
/// </summary>
public sealed class HfWeights : IDisposable
{
    public const string SingleFile = "model.safetensors";
    public const string IndexFile = "model.safetensors.index.json";

    private readonly List<Safetensors> _files;
    private readonly Dictionary<string, Safetensors> _byName;

    private HfWeights(string folder, List<Safetensors> files, Dictionary<string, Safetensors> byName)
    {
        Folder = folder;
        _files = files;
        _byName = byName;
    }

    public string Folder { get; }
    /// <summary>Every tensor name, file by file in header order.</summary>
    public IEnumerable<string> Names => _files.SelectMany(f => f.Names);
    public IReadOnlyList<Safetensors> Files => _files;

    public static HfWeights Open(string folder)
    {
        string single = Path.Combine(folder, SingleFile), index = Path.Combine(folder, IndexFile);
        if (File.Exists(single)) return FromFiles(folder, [single]);
        if (File.Exists(index)) return FromIndex(folder, index);
        foreach (string pickle in new[] { "pytorch_model.bin", "pytorch_model.bin.index.json" })
            if (File.Exists(Path.Combine(folder, pickle)))
                throw new InvalidDataException(
                    $"{folder} holds {pickle}, a PyTorch pickle: LlmLab reads only safetensors, because unpickling a file can run "
                    + "any code it contains. Convert it where transformers is installed: AutoModel*.from_pretrained(folder)"
                    + ".save_pretrained(folder, safe_serialization=True) writes model.safetensors.");
        throw new InvalidDataException($"{folder} has neither {SingleFile} nor {IndexFile}");
    }

    public bool Contains(string name) => _byName.ContainsKey(name);

    public SafetensorsTensorInfo Info(string name) => FileOf(name).Info(name);

    /// <summary>A floating-point tensor as f32, after checking its shape against what the config implies.</summary>
    public float[] Read(string name, params int[] shape)
    {
        CheckShape(name, shape);
        return FileOf(name).ReadFloats(name);
    }

    /// <summary>
    /// Checks from the header alone that <paramref name="name"/> is here with the shape the config implies; a
    /// missing or misshapen tensor is an <see cref="InvalidDataException"/> naming it.
    /// </summary>
    public void CheckShape(string name, params int[] shape)
    {
        var info = Info(name);
        if (!info.Shape.SequenceEqual(shape))
            throw new InvalidDataException(
                $"{FileOf(name).Path}: '{name}' is [{string.Join(", ", info.Shape)}], config.json implies [{string.Join(", ", shape)}]");
    }

    /// <summary>The file holding a tensor; a missing one is named with an example of what the folder does hold.</summary>
    public Safetensors FileOf(string name) =>
        _byName.TryGetValue(name, out var file)
            ? file
            : throw new InvalidDataException($"{Folder}: no tensor '{name}' in the checkpoint (it has {_byName.Count} tensors" +
                                             (_byName.Count > 0 ? $", e.g. '{_byName.Keys.First()}')" : ")"));

    public void Dispose()
    {
        foreach (var f in _files) f.Dispose();
    }

    private static HfWeights FromIndex(string folder, string index)
    {
        Dictionary<string, string> map;
        try
        {
            using var json = JsonDocument.Parse(System.IO.File.ReadAllBytes(index));
            map = json.RootElement.GetProperty("weight_map").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidDataException($"{index}: not a safetensors index (a \"weight_map\" of tensor name -> shard file): {e.Message}", e);
        }
        foreach (var shard in map.Values.Distinct())
            if (shard.Contains('/') || shard.Contains('\\') || shard.Contains(".."))
                throw new InvalidDataException($"{index}: shard '{shard}' must be a file name in the same folder");
        var weights = FromFiles(folder, map.Values.Distinct().Order(StringComparer.Ordinal).Select(s => Path.Combine(folder, s)).ToList());
        foreach (var (name, shard) in map)
            if (!weights._byName.TryGetValue(name, out var file) || Path.GetFileName(file.Path) != shard)
            {
                weights.Dispose();
                throw new InvalidDataException($"{index}: '{name}' should be in {shard}, but that shard does not hold it");
            }
        return weights;
    }

    private static HfWeights FromFiles(string folder, List<string> paths)
    {
        var files = new List<Safetensors>();
        var byName = new Dictionary<string, Safetensors>();
        try
        {
            foreach (var path in paths)
            {
                if (!System.IO.File.Exists(path)) throw new InvalidDataException($"{folder}: the shard {Path.GetFileName(path)} is missing");
                var file = Safetensors.Open(path);
                files.Add(file);
                foreach (var name in file.Names)
                    if (!byName.TryAdd(name, file))
                        throw new InvalidDataException($"{folder}: '{name}' is in both {Path.GetFileName(byName[name].Path)} and {Path.GetFileName(path)}");
            }
            return new HfWeights(folder, files, byName);
        }
        catch
        {
            foreach (var f in files) f.Dispose();
            throw;
        }
    }
}
