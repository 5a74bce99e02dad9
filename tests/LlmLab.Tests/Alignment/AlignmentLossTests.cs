using LlmLab.Alignment;
using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Models;
using LlmLab.Peft;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;
using LlmLab.Tests.Peft;
using LlmLab.Tests.References;
using LlmLab.Training;

namespace LlmLab.Tests.Alignment;

/// <summary>
/// The losses of alignment against float64 on a tiny GPT: each row's completion log-probability, DPO's loss and
/// gradients (central differences of the float64 loss) with its statistics, and the reward model's rewards and
/// pairwise loss; DPO starts at log 2 with zero margins when the policy is the reference; preference batches put
/// a pair's chosen row before its rejected one and are a pure function of the seed.
/// </summary>
[Collection("backends")]
public class AlignmentLossTests
{
    public static TheoryData<string> Backends => TestBackends.All;

    // Two pairs over a 13-token vocabulary: prompts of 2 and 3 tokens, completions of 1 to 4.
    private static readonly (int[] Prompt, int[] Chosen, int[] Rejected)[] Pairs =
    [
        ([3, 7], [1, 12, 0], [5, 9]),
        ([2, 11, 4], [6, 8, 10, 1], [0]),
    ];

    private static TrainingBatch Batch(IBackend backend) =>
        new PreferenceBatches(Pairs, maxLength: 16, pairsPerBatch: 2, padId: 0, seed: 1).Batch(backend, 0);

    // Row r of the batch as float64 sees it: its input ids and targets.
    private static (long[] Ids, long[] Targets) Row(TrainingBatch batch, int r)
    {
        int time = batch.Inputs.Shape[1];
        long[] ids = [.. batch.Inputs.ToArray<int>().Skip(r * time).Take(time).Select(i => (long)i)];
        return (ids, [.. batch.Targets.ToArray<long>().Skip(r * time).Take(time)]);
    }

    // Σ log p over the row's completion tokens: minus the mean cross-entropy times their count.
    private static double LogProb(Dictionary<string, double[]> p, TrainingBatch batch, int r)
    {
        var (ids, targets) = Row(batch, r);
        return -Float64Gpt.Loss(p, ids, targets) * targets.Count(t => t != -100);
    }

    private static Gpt Randomised(IBackend backend, int seed)
    {
        var gpt = new Gpt(backend, Float64Gpt.Tiny, seed: 1);
        Float64Gpt.Randomise(gpt, seed);
        return gpt;
    }

    [Fact]
    public void Preference_batches_put_each_pairs_chosen_row_before_its_rejected_one()
    {
        using var batch = Batch(TestBackends.Get("cpu"));
        var source = new PreferenceBatches(Pairs, 16, 2, 0, seed: 1);
        var order = source.Pairs(0);
        Assert.Equal([0, 1], order.Order());
        for (int k = 0; k < 2; k++)
        {
            var (prompt, chosen, rejected) = Pairs[order[k]];
            Assert.Equal([.. chosen], Row(batch, 2 * k).Targets.Where(t => t != -100).Select(t => (int)t));
            Assert.Equal([.. rejected], Row(batch, 2 * k + 1).Targets.Where(t => t != -100).Select(t => (int)t));
            Assert.Equal(prompt, Row(batch, 2 * k).Ids.Take(prompt.Length).Select(i => (int)i));
        }
        Assert.Equal(Enumerable.Range(0, 6).Select(i => new PreferenceBatches(Pairs, 16, 1, 0, seed: 9).Pairs(i)[0]),
            Enumerable.Range(0, 6).Select(i => new PreferenceBatches(Pairs, 16, 1, 0, seed: 9).Pairs(i)[0]));
        var tooLong = new PreferenceBatches([.. Pairs, ([1, 2, 3], [4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3, 4, 5, 6], [6])], 16, 1, 0, seed: 1);
        Assert.Equal(1, tooLong.Skipped);
    }

    [Theory, MemberData(nameof(Backends))]
    public void Completion_log_probabilities_match_float64(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        var gpt = Randomised(backend, 40);
        using var batch = Batch(backend);
        using var tape = new Tape(backend, recordGradients: false);
        var actual = SequenceLogProbs.Of(tape, gpt.Forward(tape, batch.Inputs), batch.Targets);
        Assert.Equal([4, 1], actual.Shape.ToArray());
        var p = Float64Gpt.Parameters(gpt);
        double[] expected = [.. Enumerable.Range(0, 4).Select(r => LogProb(p, batch, r))];
        AssertClose.Within(expected, actual.Data.ToArray<float>(), 1e-5, 1e-5, "Σ log p of each row's completion");
        var order = new PreferenceBatches(Pairs, 16, 2, 0, seed: 1).Pairs(0);
        Assert.Equal([.. order.SelectMany(o => new[] { Pairs[o].Chosen.Length, Pairs[o].Rejected.Length })], SequenceLogProbs.Counts(batch.Targets, 4));
    }

    [Theory, MemberData(nameof(Backends))]
    public void Dpo_gradients_and_statistics_match_float64(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        var policy = Randomised(backend, 40);
        var reference = Randomised(backend, 70);
        const double beta = 0.5;
        var objective = new DpoObjective(policy, reference, beta);
        using var batch = Batch(backend);
        var r = Float64Gpt.Parameters(reference);
        double[] referenceLogProbs = [.. Enumerable.Range(0, 4).Select(row => LogProb(r, batch, row))];
        double Dpo(Dictionary<string, double[]> p)
        {
            double sum = 0;
            for (int pair = 0; pair < 2; pair++)
            {
                double z = beta * ((LogProb(p, batch, 2 * pair) - referenceLogProbs[2 * pair]) - (LogProb(p, batch, 2 * pair + 1) - referenceLogProbs[2 * pair + 1]));
                sum += Math.Log(1 + Math.Exp(-z));
            }
            return sum / 2;
        }
        int checkedCount = Float64Gpt.CheckGradients(backend, policy, tape => objective.Loss(tape, batch), Dpo);
        Assert.Equal(policy.NamedParameters().Count(), checkedCount);

        var stats = objective.Last!;
        var p = Float64Gpt.Parameters(policy);
        double[] chosen = [.. Enumerable.Range(0, 2).Select(k => beta * (LogProb(p, batch, 2 * k) - referenceLogProbs[2 * k]))];
        double[] rejected = [.. Enumerable.Range(0, 2).Select(k => beta * (LogProb(p, batch, 2 * k + 1) - referenceLogProbs[2 * k + 1]))];
        Assert.Equal(chosen.Average(), stats.ChosenReward, 4);
        Assert.Equal(rejected.Average(), stats.RejectedReward, 4);
        Assert.Equal(chosen.Average() - rejected.Average(), stats.Margin, 4);
        Assert.Equal(chosen.Zip(rejected, (c, j) => c > j ? 1.0 : 0.0).Average(), stats.Accuracy);
        Assert.Equal(Dpo(p), stats.Loss, 4);
    }

    [Fact]
    public void Dpo_starts_at_log_two_when_the_policy_is_the_reference()
    {
        var backend = TestBackends.Get("cpu");
        var policy = Randomised(backend, 40);
        var objective = new DpoObjective(policy, policy);
        using var batch = Batch(backend);
        using var tape = new Tape(backend);
        var loss = objective.Loss(tape, batch);
        Assert.Equal(Math.Log(2), loss.Data.ToArray<float>()[0], 5);
        Assert.Equal(0, objective.Last!.Margin, 6);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DpoObjective(policy, policy, beta: 0));
    }

    [Fact]
    public void A_lora_policys_reference_is_its_base_with_the_adapters_off()
    {
        var backend = TestBackends.Get("cpu");
        var policy = Randomised(backend, 40);
        var plain = Randomised(backend, 40);
        Lora.Apply(policy, new LoraConfig { Rank = 2, TargetModules = ["q_proj", "v_proj"] }, seed: 5);
        foreach (var (_, layer) in Lora.Adapted(policy)) Float64Gpt.Write(layer.LoraB!.Weight, TestData.Uniform(7, layer.LoraB.Weight.Data.ElementCount, 0.5f));
        using var batch = Batch(backend);
        float[] Logits(Func<Tape, Variable> forward)
        {
            using var tape = new Tape(backend, recordGradients: false);
            return forward(tape).Data.ToArray<float>();
        }
        var reference = ReferenceModel.AdapterOff(policy);
        var adapted = Logits(tape => policy.Forward(tape, batch.Inputs));
        AssertClose.BitIdentical(Logits(tape => plain.Forward(tape, batch.Inputs)), Logits(tape => reference.Logits(tape, batch.Inputs)), "the reference's logits");
        AssertClose.BitIdentical(adapted, Logits(tape => policy.Forward(tape, batch.Inputs)), "the policy's logits after the reference's forward");
        Assert.True(adapted.Zip(Logits(tape => plain.Forward(tape, batch.Inputs)), (a, b) => Math.Abs(a - b)).Max() > 1e-3, "the adapters changed nothing");
        Assert.Throws<ArgumentException>(() => ReferenceModel.AdapterOff(plain));
    }

    [Fact]
    public void A_saved_reward_model_loads_back_bit_identical()
    {
        var backend = TestBackends.Get("cpu");
        var model = new RewardModel(Randomised(backend, 40), seed: 3);
        Float64Gpt.Write(model.Score.Weight, TestData.Uniform(90, Float64Gpt.Tiny.Width, 0.5f));
        string folder = Path.Combine(Path.GetTempPath(), "llmlab-reward-" + Guid.NewGuid().ToString("N"));
        try
        {
            RewardModelFiles.Save(model, folder);
            var loaded = RewardModelFiles.Load(backend, folder);
            using var batch = Batch(backend);
            float[] Rewards(RewardModel m)
            {
                using var tape = new Tape(backend, recordGradients: false);
                return m.Rewards(tape, batch.Inputs, batch.Targets).Data.ToArray<float>();
            }
            AssertClose.BitIdentical(Rewards(model), Rewards(loaded), "rewards after the round trip");
            Assert.False(loaded.Transformer.Head!.Weight.RequiresGrad);

            File.Delete(Path.Combine(folder, RewardModelFiles.ScoreFile));
            Assert.Contains("not a reward model", Assert.Throws<InvalidDataException>(() => RewardModelFiles.Load(backend, folder)).Message);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void Reward_model_gradients_match_float64(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        var model = new RewardModel(Randomised(backend, 40), seed: 3);
        Float64Gpt.Write(model.Score.Weight, TestData.Uniform(90, Float64Gpt.Tiny.Width, 0.5f));
        using var batch = Batch(backend);
        double Reward(Dictionary<string, double[]> p, int row)
        {
            var (ids, targets) = Row(batch, row);
            int last = Array.FindLastIndex(targets, t => t != -100);
            var hidden = Float64Gpt.Hidden(p.Where(kv => kv.Key.StartsWith("transformer.", StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key["transformer.".Length..], kv => kv.Value), ids);
            var w = p["score.weight"];
            return Enumerable.Range(0, w.Length).Sum(c => hidden[last * w.Length + c] * w[c]);
        }
        double Pairwise(Dictionary<string, double[]> p) =>
            Enumerable.Range(0, 2).Average(k => Math.Log(1 + Math.Exp(-(Reward(p, 2 * k) - Reward(p, 2 * k + 1)))));
        int checkedCount = Float64Gpt.CheckGradients(backend, model, tape => model.PairwiseLoss(tape, batch), Pairwise);
        Assert.Equal(model.NamedParameters().Count() - 1, checkedCount);   // all but the frozen LM head

        using var tape = new Tape(backend, recordGradients: false);
        var rewards = model.Rewards(tape, batch.Inputs, batch.Targets).Data.ToArray<float>();
        var p = Float64Gpt.Parameters(model);
        AssertClose.Within([.. Enumerable.Range(0, 4).Select(row => Reward(p, row))], rewards, 1e-5, 1e-4, "rewards at each row's last scored position");
    }
}
