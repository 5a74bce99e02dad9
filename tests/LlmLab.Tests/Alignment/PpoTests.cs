using LlmLab.Alignment;
using LlmLab.Autograd;
using LlmLab.Models;
using LlmLab.Tests.Infrastructure;
using LlmLab.Tests.Peft;
using LlmLab.Tests.References;

namespace LlmLab.Tests.Alignment;

/// <summary>
/// PPO's parts against hand computations in float64: GAE, whitening, the KL estimators on known distributions, the
/// clipped policy and value losses with their gradients (central differences), the adaptive KL controller; then a
/// whole step: zero advantages give the policy no gradient, the first-order loss has PPO's value and the policy
/// and value gradients of float64, and rollouts are a pure function of the seed.
/// </summary>
[Collection("backends")]
public class PpoTests
{
    [Fact]
    public void Gae_matches_a_hand_computation()
    {
        double[] rewards = [0.5, -0.2, 1.5], values = [0.3, 0.1, -0.4];
        const double gamma = 0.9, lambda = 0.8;
        // δ_t = r_t + γ V_{t+1} - V_t (V_3 = 0), A_t = δ_t + γ λ A_{t+1}.
        double d2 = 1.5 - (-0.4), d1 = -0.2 + gamma * -0.4 - 0.1, d0 = 0.5 + gamma * 0.1 - 0.3;
        double a2 = d2, a1 = d1 + gamma * lambda * a2, a0 = d0 + gamma * lambda * a1;
        var (advantages, returns) = Gae.Compute(rewards, values, gamma, lambda);
        AssertClose.Within([a0, a1, a2], advantages, 1e-12, 1e-12, "advantages");
        AssertClose.Within([a0 + 0.3, a1 + 0.1, a2 - 0.4], returns, 1e-12, 1e-12, "returns");
        // γ 1, λ 1: the advantage is the rewards to go minus the value.
        var (monteCarlo, _) = Gae.Compute(rewards, values, 1, 1);
        AssertClose.Within([1.8 - 0.3, 1.3 - 0.1, 1.5 + 0.4], monteCarlo, 1e-12, 1e-12, "Monte Carlo advantages");
        var whitened = Gae.Whiten([1.0, 2.0, 3.0, 6.0]);
        double std = Math.Sqrt((4 + 1 + 0 + 9) / 3.0);
        AssertClose.Within([-2 / std, -1 / std, 0, 3 / std], whitened, 1e-7, 1e-7, "whitened");
    }

    [Theory]
    [InlineData(KlEstimator.K1)]
    [InlineData(KlEstimator.K3)]
    public void Kl_estimators_average_to_the_kl_of_known_distributions(KlEstimator estimator)
    {
        double[] p = [0.5, 0.3, 0.15, 0.05], q = [0.25, 0.25, 0.25, 0.25];
        double kl = p.Zip(q, (a, b) => a * Math.Log(a / b)).Sum();
        // E_{x ~ p}[k(x)] over the support, exactly.
        double expected = p.Select((a, i) => a * KlEstimators.Estimate(estimator, Math.Log(a), Math.Log(q[i]))).Sum();
        Assert.Equal(kl, expected, 12);
        if (estimator == KlEstimator.K3)
            Assert.All(p.Select((a, i) => KlEstimators.Estimate(estimator, Math.Log(a), Math.Log(q[i]))), k => Assert.True(k >= 0));
        Assert.Equal(0, KlEstimators.Estimate(estimator, -1.3, -1.3), 12);
    }

    [Fact]
    public void Clipped_losses_match_hand_computations_and_their_gradients()
    {
        double[] oldLp = [-1.0, -2.0, -0.5, -1.5], advantages = [1.0, -0.5, 2.0, -1.0];
        double[] lp = [-0.7, -2.1, -0.6, -1.0];   // ratios e^0.3 (clipped, A > 0), e^-0.1, e^-0.1, e^0.5 (A < 0: unclipped)
        double Policy(double[] x) => x.Select((l, i) =>
        {
            double r = Math.Exp(l - oldLp[i]);
            return Math.Max(-advantages[i] * r, -advantages[i] * Math.Clamp(r, 0.8, 1.2));
        }).Average();
        var pg = PpoLosses.Policy(lp, oldLp, advantages, 0.2);
        Assert.Equal(Policy(lp), pg.Value, 12);
        Assert.Equal(0.25, pg.ClipFraction);
        AssertClose.Within(Float64Net.FiniteDifference(() => Policy(lp), lp), pg.Gradient, 1e-8, 1e-6, "d policy loss / d log π");

        double[] oldV = [0.0, 1.0, -0.5], returns = [1.0, 0.0, -0.4], v = [0.5, 0.9, -0.45];
        double Value(double[] x) => 0.5 * x.Select((y, i) =>
        {
            double held = oldV[i] + Math.Clamp(y - oldV[i], -0.2, 0.2);
            return Math.Max((y - returns[i]) * (y - returns[i]), (held - returns[i]) * (held - returns[i]));
        }).Average();
        var vf = PpoLosses.Value(v, oldV, returns, 0.2);
        Assert.Equal(Value(v), vf.Value, 12);
        Assert.Equal(1.0 / 3, vf.ClipFraction, 12);
        AssertClose.Within(Float64Net.FiniteDifference(() => Value(v), v), vf.Gradient, 1e-8, 1e-6, "d value loss / d V");
    }

    [Fact]
    public void The_adaptive_controller_moves_toward_its_target_by_at_most_a_fifth()
    {
        var controller = new AdaptiveKlController(0.2, target: 6, horizon: 100);
        controller.Update(12, sequences: 10);   // error clipped to 0.2: β × (1 + 0.2 × 10 / 100)
        Assert.Equal(0.2 * 1.02, controller.Value, 12);
        controller.Update(3, sequences: 10);    // error -0.5 clipped to -0.2
        Assert.Equal(0.2 * 1.02 * 0.98, controller.Value, 12);
        var fixedCoefficient = new AdaptiveKlController(0.2);
        fixedCoefficient.Update(100, 10);
        Assert.Equal(0.2, fixedCoefficient.Value);
    }

    private static (PolicyWithValueHead Policy, PpoRollouts Rollouts, PpoObjective Objective) Setup(string backendName, PpoConfig config)
    {
        var backend = TestBackends.Get(backendName);
        var gpt = new Gpt(backend, Float64Gpt.Tiny, seed: 1);
        Float64Gpt.Randomise(gpt, 40);
        var reference = new Gpt(backend, Float64Gpt.Tiny, seed: 1);
        Float64Gpt.Randomise(reference, 70);
        var scorer = new Gpt(backend, Float64Gpt.Tiny, seed: 1);
        Float64Gpt.Randomise(scorer, 90);
        var policy = new PolicyWithValueHead(gpt, seed: 3);
        int[][] prompts = [[3, 7], [2, 11, 4], [5], [9, 1]];
        var rollouts = new PpoRollouts(policy, ReferenceModel.Frozen(reference), new RewardModel(scorer, seed: 4), prompts, config, padId: 0, endToken: 12, seed: 11);
        return (policy, rollouts, new PpoObjective(policy, rollouts));
    }

    private static readonly PpoConfig Small = new() { RolloutSize = 4, MiniBatches = 2, Epochs = 2, MaxNewTokens = 5 };

    [Theory, MemberData(nameof(Backends))]
    public void A_step_has_ppos_value_and_float64_gradients(string backendName)
    {
        var (policy, rollouts, objective) = Setup(backendName, Small);
        using var batch = rollouts.Batch(TestBackends.Get(backendName), 1);
        var data = rollouts.Current!;
        var rows = batch.Inputs.ToArray<int>();
        var labels = batch.Targets.ToArray<long>();
        int time = batch.Inputs.Shape[1], count = batch.Inputs.Shape[0];
        // PPO's loss in float64 from the policy's and value head's parameters, the rollout data fixed.
        double Reference(Dictionary<string, double[]> p)
        {
            var gpt = p.Where(kv => kv.Key.StartsWith("pretrained_model.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key["pretrained_model.".Length..], kv => kv.Value);
            var lp = new List<double>();
            var v = new List<double>();
            for (int r = 0; r < count; r++)
            {
                long[] ids = [.. rows.Skip(r * time).Take(time).Select(i => (long)i)];
                long[] targets = [.. labels.Skip(r * time).Take(time)];
                var hidden = Float64Gpt.Hidden(gpt, ids);
                var logits = Float64Net.Linear(hidden, gpt["lm_head.weight"], null, Float64Gpt.Tiny.Width, Float64Gpt.Tiny.VocabularySize);
                var values = Float64Net.Linear(hidden, p["v_head.summary.weight"], p["v_head.summary.bias"], Float64Gpt.Tiny.Width, 1);
                for (int t = 0; t < time; t++)
                {
                    if (targets[t] == -100) continue;
                    var row = logits.AsSpan(t * Float64Gpt.Tiny.VocabularySize, Float64Gpt.Tiny.VocabularySize).ToArray();
                    double max = row.Max(), log = Math.Log(row.Sum(z => Math.Exp(z - max))) + max;
                    lp.Add(row[targets[t]] - log);
                    v.Add(values[t]);
                }
            }
            return PpoLosses.Policy(lp, data.OldLogProbs, data.Advantages, 0.2).Value + 0.1 * PpoLosses.Value(v, data.OldValues, data.Returns, 0.2).Value;
        }
        int checkedCount = Float64Gpt.CheckGradients(TestBackends.Get(backendName), policy, tape => objective.Loss(tape, batch), Reference);
        Assert.Equal(policy.NamedParameters().Count(), checkedCount);
        Assert.NotNull(objective.Last);
    }

    public static TheoryData<string> Backends => TestBackends.All;

    [Fact]
    public void Zero_advantages_give_the_policy_no_gradient()
    {
        var (policy, rollouts, objective) = Setup("cpu", Small with { ValueCoefficient = 0 });
        var backend = TestBackends.Get("cpu");
        using var batch = rollouts.Batch(backend, 0);
        var data = rollouts.Current!;
        Array.Clear(data.Advantages);
        using var tape = new Tape(backend);
        tape.Backward(objective.Loss(tape, batch));
        foreach (var (name, p) in policy.Policy.NamedParameters())
            Assert.All(p.Grad?.ToArray<float>() ?? [], g => Assert.Equal(0f, g));
        Assert.Equal(0, objective.Last!.PolicyLoss, 12);
        foreach (var (_, p) in policy.NamedParameters()) p.ZeroGrad();
    }

    [Fact]
    public void Rollouts_and_minibatches_are_a_function_of_the_seed()
    {
        string Run()
        {
            var (_, rollouts, _) = Setup("cpu", Small);
            var stats = new List<PpoRolloutStats>();
            rollouts.RolloutCollected += stats.Add;
            var seen = new List<string>();
            for (long step = 0; step < 2 * Small.StepsPerRollout; step++)
            {
                using var batch = rollouts.Batch(TestBackends.Get("cpu"), step);
                var d = rollouts.Current!;
                seen.Add(string.Join(",", batch.Inputs.ToArray<int>()) + "|" + string.Join(",", d.Advantages.Select(a => a.ToString("R"))));
            }
            Assert.Equal(2, stats.Count);
            return string.Join("\n", seen) + string.Join(";", stats);
        }
        Assert.Equal(Run(), Run());
    }
}
