using LlmLab.Alignment;
using LlmLab.Models;
using LlmLab.Tests.Infrastructure;
using LlmLab.Tests.Peft;
using LlmLab.Tests.References;
using LlmLab.Training;

namespace LlmLab.Tests.Alignment;

/// <summary>
/// PpoTrainer and DpoTrainer as a user drives them: an interrupted PPO run resumes to the weights and KL coefficient
/// of an uninterrupted one (β is part of the checkpoint), with each step's figures in metrics.jsonl once; DPO's
/// implicit rewards land in the trainer's lines.
/// </summary>
[Collection("backends")]
public class AlignmentTrainerTests
{
    private static readonly PpoConfig Config = new()
    {
        RolloutSize = 4, MiniBatches = 2, Epochs = 2, MaxNewTokens = 5, TargetKl = 0.01, KlHorizon = 4, KlCoefficient = 0.2,
    };

    private static readonly TrainingOptions Options = new() { LearningRate = 1e-2f, WarmupSteps = 0, CheckpointInterval = 1, LogInterval = 1 };

    private static PpoTrainer Trainer(string folder)
    {
        var backend = TestBackends.Get("cpu");
        var gpt = new Gpt(backend, Float64Gpt.Tiny, seed: 1);
        Float64Gpt.Randomise(gpt, 40);
        var reference = new Gpt(backend, Float64Gpt.Tiny, seed: 1);
        Float64Gpt.Randomise(reference, 40);
        var scorer = new Gpt(backend, Float64Gpt.Tiny, seed: 1);
        Float64Gpt.Randomise(scorer, 90);
        int[][] prompts = [[3, 7], [2, 11, 4], [5], [9, 1]];
        return new PpoTrainer(new PolicyWithValueHead(gpt, seed: 3), ReferenceModel.Frozen(reference), new RewardModel(scorer, seed: 4), prompts, Config,
            rollouts: 3, Options, padId: 0, endToken: 12, seed: 11, TrainerFiles.In(folder, "ppo_"));
    }

    private static string Folder(string name) => Path.Combine(Path.GetTempPath(), $"llmlab-{name}-{Guid.NewGuid():N}");

    [Fact]
    public void An_interrupted_ppo_run_resumes_to_the_same_weights_and_kl_coefficient()
    {
        string whole = Folder("ppo-whole"), interrupted = Folder("ppo-interrupted");
        try
        {
            using var straight = Trainer(whole);
            var result = straight.Train();
            Assert.Equal(3 * Config.StepsPerRollout, result.Step);
            Assert.NotEqual(Config.KlCoefficient, straight.Rollouts.KlController.Value);

            using (var first = Trainer(interrupted))
            {
                using var stop = new CancellationTokenSource();
                first.Trainer.StepCompleted += r =>
                {
                    if (r.Step == 2 * Config.StepsPerRollout) stop.Cancel();
                };
                Assert.True(first.Train(stop.Token).Interrupted);
            }
            using var resumed = Trainer(interrupted);
            int from = -1;
            resumed.Trainer.Resumed += c => from = c.Step;
            resumed.Train();

            Assert.Equal(2 * Config.StepsPerRollout, from);
            Assert.Equal(straight.Rollouts.KlController.Value, resumed.Rollouts.KlController.Value);
            var a = straight.Rollouts.Responses.Select(r => string.Join(",", r));
            Assert.Equal(a, resumed.Rollouts.Responses.Select(r => string.Join(",", r)));
            Assert.Equal(Snapshot(straight), Snapshot(resumed));

            var metrics = MetricsLog.Read(Path.Combine(interrupted, MetricsLog.FileName)).ToDictionary(m => m.Name);
            foreach (string name in new[] { "ppo_score", "ppo_kl", "ppo_kl_coef", "ppo_policy_loss", "ppo_value_loss", "ppo_clip_fraction", "ppo_entropy" })
                Assert.Equal(Enumerable.Range(1, 3 * Config.StepsPerRollout).Select(s => (long)s), metrics[name].Points.Select(p => p.Step));
            var straightMetrics = MetricsLog.Read(Path.Combine(whole, MetricsLog.FileName)).ToDictionary(m => m.Name);
            Assert.Equal(straightMetrics["ppo_policy_loss"].Points, metrics["ppo_policy_loss"].Points);
            Assert.Equal(straightMetrics["ppo_kl_coef"].Points, metrics["ppo_kl_coef"].Points);
        }
        finally
        {
            foreach (string f in new[] { whole, interrupted })
                if (Directory.Exists(f)) Directory.Delete(f, recursive: true);
        }
    }

    [Fact]
    public void Dpo_logs_its_implicit_rewards_in_the_trainers_lines()
    {
        string folder = Folder("dpo");
        try
        {
            var backend = TestBackends.Get("cpu");
            var policy = new Gpt(backend, Float64Gpt.Tiny, seed: 1);
            Float64Gpt.Randomise(policy, 40);
            var reference = new Gpt(backend, Float64Gpt.Tiny, seed: 1);
            Float64Gpt.Randomise(reference, 40);
            (int[], int[], int[])[] pairs = [([3, 7], [5, 12], [9, 9, 12]), ([2, 11], [4, 12], [1, 12]), ([5], [6, 6, 12], [8, 12]), ([9, 1], [3, 12], [7, 2, 12])];
            var train = new PreferenceBatches(pairs, maxLength: 8, pairsPerBatch: 2, padId: 0, seed: 5, "dpo");
            using var trainer = new DpoTrainer(policy, ReferenceModel.Frozen(reference), beta: 0.5,
                Options with { Steps = 3, EvaluationInterval = 0 }, train, files: TrainerFiles.In(folder, "dpo_"));
            trainer.Train();

            var metrics = MetricsLog.Read(Path.Combine(folder, MetricsLog.FileName)).ToDictionary(m => m.Name);
            foreach (string name in new[] { "dpo_margin", "dpo_accuracy", "dpo_chosen_reward", "dpo_rejected_reward" })
                Assert.Equal([1L, 2, 3], metrics[name].Points.Select(p => p.Step));
            // The first step's policy is the reference: every implicit reward is zero and the loss log 2.
            Assert.Equal(0, metrics["dpo_margin"].Points[0].Value);
            Assert.Equal(Math.Log(2), metrics["dpo_train_loss"].Points[0].Value, 5);
            Assert.True(metrics["dpo_margin"].Final > 0, $"DPO's margin did not grow: {metrics["dpo_margin"].Final}");
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    private static string Snapshot(PpoTrainer trainer) =>
        string.Join(";", trainer.Policy.NamedParameters().Select(p => p.Name + ":" + string.Join(",", p.Parameter.Data.ToArray<float>())));
}
