using System.Text.Json;
using System.Text.RegularExpressions;
using LlmLab.Backends;
using LlmLab.IO;
using LlmLab.Nn;
using LlmLab.Tensors;

namespace LlmLab.Training;

/// <summary>
/// A trainer checkpoint: a folder checkpoints/step-NNNNNN/ holding model.safetensors (every parameter under its
/// dotted name), optimizer.safetensors (AdamW's moments under torch's state names) and trainer.json (the step, the
/// next batch index, the data's description, the optimizer's step count, the SHA-256 of the two other files and,
/// for a <see cref="IStatefulBatchSource"/>, the source's own state under "source_state").
/// The folder is written under a temporary name (.step-NNNNNN.tmp-GUID) and renamed when complete, so a checkpoint
/// either exists whole or not at all; a temporary folder a crash left behind is removed by
/// <see cref="RemoveUnfinished"/>. <see cref="Restore"/> verifies the checksums before it touches the model, so a
/// file damaged after it was written is refused by name (format 1 checkpoints, from before checksums, are not checked).
/// </summary>
public sealed record TrainingCheckpoint(string Folder, int Step, long NextBatch, string Data, int OptimizerSteps)
{
    public const string ModelFile = "model.safetensors";
    public const string OptimizerFile = "optimizer.safetensors";
    public const string StateFile = "trainer.json";
    public const int FormatVersion = 2;

    private static readonly Regex StepFolder = new(@"^step-(\d{6,})$");
    private static readonly Regex UnfinishedFolder = new(@"^\.step-\d{6,}\.tmp-[0-9a-f]{32}$");

    /// <summary>The SHA-256 (lower-case hex) of each file the checkpoint holds, by file name; empty for format 1.</summary>
    public IReadOnlyDictionary<string, string> Sha256 { get; init; } = new Dictionary<string, string>();

    /// <summary>What a <see cref="IStatefulBatchSource"/> kept at the checkpoint's step; empty for other sources.</summary>
    public IReadOnlyDictionary<string, double> SourceState { get; init; } = new Dictionary<string, double>();

    public static string FolderName(int step) => $"step-{step:D6}";

    /// <summary>Writes a checkpoint into <paramref name="checkpoints"/>, replacing one of the same step.</summary>
    public static TrainingCheckpoint Save(string checkpoints, Module model, AdamWOptimizer optimizer, int step, long nextBatch, string data,
        IReadOnlyDictionary<string, double>? sourceState = null)
    {
        sourceState ??= new Dictionary<string, double>();
        Directory.CreateDirectory(checkpoints);
        string final = Path.Combine(checkpoints, FolderName(step));
        string temporary = Path.Combine(checkpoints, $".{FolderName(step)}.tmp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temporary);
        SortedDictionary<string, string> checksums;
        try
        {
            var weights = new SafetensorsWriter();
            // ToArray: a deferred weight (a loaded quantised base under QLoRA) is read without keeping an f32 copy.
            foreach (var (name, p) in model.NamedParameters()) weights.Add(name, p.ToArray<float>(), p.Shape.ToArray());
            weights.Save(Path.Combine(temporary, ModelFile));
            var moments = new SafetensorsWriter();
            foreach (var (name, m) in optimizer.Moments()) Add(moments, name, m);
            moments.Save(Path.Combine(temporary, OptimizerFile));
            checksums = new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                [ModelFile] = FileChecksum.Sha256(Path.Combine(temporary, ModelFile)),
                [OptimizerFile] = FileChecksum.Sha256(Path.Combine(temporary, OptimizerFile)),
            };
            var state = new Dictionary<string, object>
            {
                ["format"] = FormatVersion, ["step"] = step, ["next_batch"] = nextBatch, ["data"] = data,
                ["optimizer_steps"] = optimizer.StepCount, ["sha256"] = checksums,
            };
            if (sourceState.Count > 0) state["source_state"] = new SortedDictionary<string, double>(sourceState.ToDictionary(), StringComparer.Ordinal);
            AtomicFile.WriteAllText(Path.Combine(temporary, StateFile), JsonSerializer.Serialize(state, new JsonSerializerOptions { WriteIndented = true }));
            FaultInjection.Pause("checkpoint", step);
            if (Directory.Exists(final)) Directory.Delete(final, recursive: true);
            Directory.Move(temporary, final);
        }
        finally
        {
            if (Directory.Exists(temporary)) Directory.Delete(temporary, recursive: true);
        }
        return new TrainingCheckpoint(final, step, nextBatch, data, optimizer.StepCount) { Sha256 = checksums, SourceState = sourceState };
    }

    /// <summary>Removes the temporary folders of checkpoints whose writing a crash cut short.</summary>
    public static void RemoveUnfinished(string checkpoints)
    {
        if (!Directory.Exists(checkpoints)) return;
        foreach (string folder in Directory.EnumerateDirectories(checkpoints))
            if (UnfinishedFolder.IsMatch(Path.GetFileName(folder))) Directory.Delete(folder, recursive: true);
    }

    /// <summary>The complete checkpoint folders in <paramref name="checkpoints"/>, newest first.</summary>
    public static IReadOnlyList<string> Folders(string checkpoints) =>
        !Directory.Exists(checkpoints)
            ? []
            : [.. Directory.EnumerateDirectories(checkpoints)
                .Select(d => (Folder: d, Match: StepFolder.Match(Path.GetFileName(d))))
                .Where(d => d.Match.Success)
                .OrderByDescending(d => long.Parse(d.Match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))
                .Select(d => d.Folder)];

    /// <summary>The newest complete checkpoint in <paramref name="checkpoints"/>, or null when there is none.</summary>
    public static TrainingCheckpoint? Latest(string checkpoints) =>
        Folders(checkpoints) is [var newest, ..] ? Read(newest) : null;

    /// <summary>Reads trainer.json of a checkpoint folder; a missing or malformed file is a <see cref="DamagedFileException"/> naming it.</summary>
    public static TrainingCheckpoint Read(string folder)
    {
        string path = Path.Combine(folder, StateFile);
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = json.RootElement;
            int format = root.GetProperty("format").GetInt32();
            if (format is not (1 or FormatVersion)) throw new InvalidDataException($"format {format} is not 1 or {FormatVersion}");
            var checksums = new Dictionary<string, string>();
            if (format >= 2)
                foreach (var file in root.GetProperty("sha256").EnumerateObject())
                {
                    if (file.Name is not (ModelFile or OptimizerFile)) throw new InvalidDataException($"\"sha256\" lists '{file.Name}', which a checkpoint does not hold");
                    checksums[file.Name] = file.Value.GetString() ?? throw new InvalidDataException($"\"sha256\" of {file.Name} is null");
                }
            if (format >= 2 && checksums.Count != 2) throw new InvalidDataException($"\"sha256\" should list {ModelFile} and {OptimizerFile}");
            var sourceState = new Dictionary<string, double>();
            if (root.TryGetProperty("source_state", out var saved))
                foreach (var entry in saved.EnumerateObject()) sourceState[entry.Name] = entry.Value.GetDouble();
            return new TrainingCheckpoint(folder, root.GetProperty("step").GetInt32(), root.GetProperty("next_batch").GetInt64(),
                root.GetProperty("data").GetString() ?? "", root.GetProperty("optimizer_steps").GetInt32()) { Sha256 = checksums, SourceState = sourceState };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or KeyNotFoundException
                                      or InvalidOperationException or FormatException or InvalidDataException)
        {
            throw new DamagedFileException(path, $"checkpoint state {path} cannot be read: {e.Message}", e);
        }
    }

    /// <summary>
    /// Checks each file against the SHA-256 trainer.json recorded; a damaged or missing file is a
    /// <see cref="DamagedFileException"/> naming it.
    /// </summary>
    public void Verify()
    {
        foreach (var (file, sha256) in Sha256)
            FileChecksum.Verify(Path.Combine(Folder, file), sha256, Path.Combine(Folder, StateFile));
    }

    /// <summary>
    /// Copies the saved weights into the model's parameters and the moments into the optimizer, after
    /// <see cref="Verify"/>: a damaged checkpoint leaves both untouched.
    /// </summary>
    public void Restore(Module model, AdamWOptimizer optimizer)
    {
        Verify();
        using (var weights = Safetensors.Open(Path.Combine(Folder, ModelFile)))
            foreach (var (name, p) in model.NamedParameters()) Load(weights, name, p.Data);
        using var moments = Safetensors.Open(Path.Combine(Folder, OptimizerFile));
        var state = new Dictionary<string, Tensor>();
        try
        {
            foreach (var (name, _) in optimizer.Moments())
            {
                if (!moments.Contains(name)) throw new InvalidDataException($"checkpoint {Folder}: {OptimizerFile} has no '{name}'");
                state[name] = moments.ReadTensor(optimizer.Backend, name);
            }
            optimizer.LoadMoments(state, OptimizerSteps);
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

    private static void Add(SafetensorsWriter writer, string name, Tensor tensor) =>
        writer.Add(name, SafetensorsDType.F32, tensor.Shape.ToArray(), tensor.ToBytes());

    private void Load(Safetensors file, string name, Tensor parameter)
    {
        if (!file.Contains(name))
            throw new InvalidDataException($"checkpoint {Folder}: {ModelFile} has no '{name}' (the model has {parameter.Shape}); was it made by another model?");
        var info = file.Info(name);
        if (info.DType != SafetensorsDType.F32 || !info.Shape.SequenceEqual(parameter.Shape.ToArray()))
            throw new InvalidDataException(
                $"checkpoint {Folder}: '{name}' is {info.DType} [{string.Join(", ", info.Shape)}], the model's is F32 {parameter.Shape}");
        parameter.Backend.Write(parameter.Storage, parameter.ByteOffset, file.ReadBytes(name));
    }
}
