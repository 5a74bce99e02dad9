namespace LlmLab.Experiments.Tests;

/// <summary>
/// The pretrain recipe resumed in its run folder (as <c>run --resume</c> does after a kill) records the same tables
/// as an uninterrupted run: its losses table and sentence come from the whole run's record, not from the steps the
/// last attempt happened to train.
/// </summary>
public sealed class PretrainResumeTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("llmlab-pretrain-resume-").FullName;
    private readonly LlmLab.Backends.IBackend _backend = LlmLab.Backends.Backend.Create("cpu");

    public void Dispose()
    {
        _backend.Dispose();
        try { Directory.Delete(_root, recursive: true); }
        catch (IOException) { }
    }

    private static readonly PretrainConfig Tiny = new()
    {
        Layers = 1, Heads = 2, Width = 16, Context = 16, BatchSize = 2, Steps = 8, WarmupSteps = 2, Documents = 20,
        EvaluationInterval = 4, EvaluationBatches = 1,
    };

    private string Pretrain(string name)
    {
        string folder = Path.Combine(_root, name);
        PretrainRecipe.Pretrain(Tiny, new ExperimentContext("pretrain", 1, _backend, folder, CancellationToken.None));
        return folder;
    }

    private static string Results(string folder) => File.ReadAllText(new RunPaths(folder).Results);

    [Fact]
    public void A_run_resumed_from_a_checkpoint_records_the_uninterrupted_tables()
    {
        string straight = Pretrain("straight");
        string resumed = Pretrain("resumed");
        // As if killed after step 6's checkpoint: the last checkpoint goes, the metrics and tables of the steps after stay.
        Directory.Delete(Path.Combine(resumed, "checkpoints", "pretrain", "step-000008"), recursive: true);
        Assert.True(Directory.Exists(Path.Combine(resumed, "checkpoints", "pretrain", "step-000006")));

        Pretrain("resumed");

        Assert.Equal(Results(straight), Results(resumed));
        Assert.Contains("8 steps took the validation loss from", Results(resumed));
    }

    [Fact]
    public void A_run_resumed_after_its_training_finished_records_the_uninterrupted_tables()
    {
        string straight = Pretrain("straight");
        string resumed = Pretrain("resumed");

        Pretrain("resumed");   // killed while sampling, say: the training step runs again and trains nothing

        Assert.Equal(Results(straight), Results(resumed));
    }

    [Fact]
    public void A_damaged_checkpoint_is_passed_over_and_the_log_says_so()
    {
        string straight = Pretrain("straight");
        string resumed = Pretrain("resumed");
        string damaged = Path.Combine(resumed, "checkpoints", "pretrain", "step-000008", "model.safetensors");
        byte[] bytes = File.ReadAllBytes(damaged);
        bytes[^5] ^= 1;   // one low bit of the last tensor's values
        File.WriteAllBytes(damaged, bytes);

        Pretrain("resumed");

        Assert.Equal(Results(straight), Results(resumed));
        string log = File.ReadAllText(new RunPaths(resumed).Log);
        Assert.Contains($"passing over checkpoint step-000008, which is damaged ({damaged} is damaged: its SHA-256 is", log);
        Assert.Contains("pretrain: resuming from step 6", log);
    }

    [Theory]
    [InlineData(0, new[] { "step-000006", "step-000008" })]   // every quarter of 8 steps, the two newest kept
    [InlineData(5, new[] { "step-000005", "step-000008" })]
    [InlineData(8, new[] { "step-000008" })]
    public void The_checkpoint_interval_is_a_parameter(int interval, string[] kept)
    {
        string folder = Path.Combine(_root, "interval");
        PretrainRecipe.Pretrain(Tiny with { CheckpointInterval = interval }, new ExperimentContext("pretrain", 1, _backend, folder, CancellationToken.None));
        Assert.Equal(kept, Directory.GetDirectories(Path.Combine(folder, "checkpoints", "pretrain")).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Every_recipe_that_trains_takes_a_checkpoint_interval()
    {
        foreach (var config in new[] { typeof(PretrainConfig), typeof(FinetuneConfig), typeof(GenerateConfig), typeof(QuantizeConfig), typeof(EvaluateConfig) })
        {
            var property = config.GetProperty(nameof(PretrainConfig.CheckpointInterval));
            Assert.True(property?.GetCustomAttributes(typeof(ParamAttribute), false).Length == 1, $"{config.Name} has no [Param] CheckpointInterval");
            Assert.Equal(0, property!.GetValue(Activator.CreateInstance(config)));
        }
    }
}
