using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using LlmLab.Backends;
using LlmLab.Data;
using LlmLab.IO;
using LlmLab.Models;
using LlmLab.Tests.Data;
using LlmLab.Tests.Infrastructure;
using LlmLab.Training;

namespace LlmLab.Tests.Training;

/// <summary>
/// What a crash or a damaged disk leaves in checkpoints/: unfinished checkpoint folders are removed on resume, each
/// checkpoint's files carry their SHA-256 in trainer.json and are verified on load, and a resume skips a damaged
/// checkpoint for the newest intact one, saying which and why.
/// </summary>
public class CheckpointIntegrityTests
{
    private static readonly IBackend Cpu = TestBackends.Get("cpu");

    private static readonly GptConfig Tiny = new() { VocabularySize = 16, Context = 16, Layers = 1, Heads = 2, Width = 16 };

    private static readonly int[] Tokens = Enumerable.Range(0, 600).Select(i => (i * 7 + i / 13) % 16).ToArray();

    private static readonly TrainingOptions Options = new()
    {
        Steps = 12, LearningRate = 3e-3f, MinLearningRate = 3e-4f, WarmupSteps = 2, EvaluationInterval = 4,
        EvaluationBatches = 1, CheckpointInterval = 4,
    };

    private static (Trainer Trainer, Gpt Model) NewTrainer(string folder)
    {
        var gpt = new Gpt(Cpu, Tiny, seed: 3);
        var trainer = new Trainer(Cpu, gpt, (tape, b) => gpt.Loss(tape, b.Inputs, b.Targets), Options,
            new CausalLmBatches(Tokens, Tiny.Context, 2, seed: 7), new CausalLmBatches(Tokens, Tiny.Context, 2, seed: 8, stream: "validation"),
            TrainerFiles.In(folder));
        return (trainer, gpt);
    }

    private static float[][] Train(string folder, List<string>? rejected = null, int? dieAfter = null)
    {
        var (trainer, gpt) = NewTrainer(folder);
        using (trainer)
        {
            if (rejected is not null) trainer.CheckpointRejected += (_, reason) => rejected.Add(reason);
            if (dieAfter is { } step) trainer.StepCompleted += r => { if (r.Step == step) throw new OperationCanceledException("killed"); };
            try { trainer.Train(); }
            catch (OperationCanceledException) when (dieAfter is not null) { }
        }
        return [.. gpt.NamedParameters().Select(p => p.Parameter.Data.ToArray<float>())];
    }

    private static string Checkpoint(string folder, int step) => Path.Combine(folder, "checkpoints", TrainingCheckpoint.FolderName(step));

    [Fact]
    public void A_resume_removes_checkpoint_folders_a_crash_left_unfinished()
    {
        using var run = new TempFiles();
        Train(run.Directory, dieAfter: 10);
        string unfinished = Path.Combine(run.Directory, "checkpoints", $".step-000012.tmp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(unfinished);
        File.WriteAllBytes(Path.Combine(unfinished, TrainingCheckpoint.ModelFile), new byte[100]);

        Train(run.Directory);

        Assert.False(Directory.Exists(unfinished));
        Assert.Equal(["step-000008", "step-000012"], Directory.GetFileSystemEntries(Path.Combine(run.Directory, "checkpoints")).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Each_checkpoint_records_the_sha256_of_its_files()
    {
        using var run = new TempFiles();
        Train(run.Directory);
        string folder = Checkpoint(run.Directory, 12);
        using var state = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, TrainingCheckpoint.StateFile)));
        var recorded = state.RootElement.GetProperty("sha256");
        foreach (string file in new[] { TrainingCheckpoint.ModelFile, TrainingCheckpoint.OptimizerFile })
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(folder, file)))), recorded.GetProperty(file).GetString());
    }

    public static TheoryData<string, string> Damages => new()
    {
        { TrainingCheckpoint.ModelFile, "flip four low bits" },
        { TrainingCheckpoint.ModelFile, "one float 1e30" },
        { TrainingCheckpoint.ModelFile, "one NaN" },
        { TrainingCheckpoint.OptimizerFile, "one NaN" },
    };

    [Theory, MemberData(nameof(Damages))]
    public void A_damaged_checkpoint_is_named_and_the_resume_falls_back_to_the_newest_intact_one(string file, string damage)
    {
        using var straight = new TempFiles();
        var expected = Train(straight.Directory);
        using var run = new TempFiles();
        Train(run.Directory, dieAfter: 10);   // checkpoints at steps 4 and 8
        string damaged = Path.Combine(Checkpoint(run.Directory, 8), file);
        Damage(damaged, damage);

        var rejected = new List<string>();
        var weights = Train(run.Directory, rejected);

        Assert.Contains(damaged, Assert.Single(rejected));
        Assert.Contains("SHA-256", rejected[0]);
        for (int i = 0; i < expected.Length; i++) AssertClose.BitIdentical(expected[i], weights[i], $"parameter {i}");
        Assert.Equal(TrainerResumeTests.Record(straight.Directory), TrainerResumeTests.Record(run.Directory));
    }

    [Fact]
    public void Loading_a_damaged_checkpoint_names_the_file()
    {
        using var run = new TempFiles();
        Train(run.Directory);
        string damaged = Path.Combine(Checkpoint(run.Directory, 12), TrainingCheckpoint.ModelFile);
        Damage(damaged, "one NaN");
        var checkpoint = TrainingCheckpoint.Read(Checkpoint(run.Directory, 12));
        var e = Assert.Throws<DamagedFileException>(() => checkpoint.Verify());
        Assert.Equal(damaged, e.Path);
        Assert.Contains(damaged, e.Message);
        var gpt = new Gpt(Cpu, Tiny, seed: 3);
        using var optimizer = new AdamWOptimizer(Cpu, gpt.NamedParameters().Select(p => (p.Name, p.Parameter.Data)), 0.1f, WeightDecaySelection.MatricesOnly, 0.9f, 0.99f, 1e-8f);
        Assert.Contains(damaged, Assert.Throws<DamagedFileException>(() => checkpoint.Restore(gpt, optimizer)).Message);
    }

    [Fact]
    public void With_no_intact_checkpoint_the_resume_stops_and_names_them()
    {
        using var run = new TempFiles();
        Train(run.Directory, dieAfter: 10);
        Damage(Path.Combine(Checkpoint(run.Directory, 4), TrainingCheckpoint.OptimizerFile), "one NaN");
        Damage(Path.Combine(Checkpoint(run.Directory, 8), TrainingCheckpoint.ModelFile), "one NaN");

        var (trainer, _) = NewTrainer(run.Directory);
        using (trainer)
        {
            var e = Assert.Throws<InvalidDataException>(() => trainer.Train());
            Assert.Contains(Path.Combine(Checkpoint(run.Directory, 4), TrainingCheckpoint.OptimizerFile), e.Message);
            Assert.Contains(Path.Combine(Checkpoint(run.Directory, 8), TrainingCheckpoint.ModelFile), e.Message);
        }
    }

    /// <summary>Changes values in the tensor data of a .safetensors file, leaving its header intact.</summary>
    internal static void Damage(string path, string how)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int data = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        int middle = data + (bytes.Length - data) / 2 / 4 * 4;
        switch (how)
        {
            case "flip four low bits":
                for (int i = 0; i < 4; i++) bytes[middle + 4 * i] ^= 1;
                break;
            case "one float 1e30":
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(middle), 1e30f);
                break;
            case "one NaN":
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(middle), float.NaN);
                break;
            default:
                throw new ArgumentException(how);
        }
        File.WriteAllBytes(path, bytes);
    }
}
