using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Generation;
using LlmLab.Random;
using LlmLab.Training;

namespace LlmLab.Alignment;

/// <summary>What one rollout measured: the reward model's mean score, the mean KL to the reference summed over a
/// response's tokens (trl's objective/kl), the KL coefficient its rewards used, and the mean response length.</summary>
public sealed record PpoRolloutStats(long Rollout, double MeanScore, double MeanKl, double KlCoefficient, double MeanLength);

/// <summary>A minibatch's per-token rollout data, row by row in the order its batch scores the response tokens.</summary>
public sealed record PpoMinibatch(double[] OldLogProbs, double[] OldValues, double[] Advantages, double[] Returns);

/// <summary>
/// PPO's experience as a trainer's batch source (trl's PPOTrainer.step, written from its description): step s of a
/// run belongs to rollout s / (epochs × minibatches). When a rollout's first step asks for its batch, the policy as
/// it is then samples a response to each of <see cref="PpoConfig.RolloutSize"/> prompts (temperature sampling,
/// seeded by the rollout); the reward model scores each; the policy (with its value head) and the frozen reference
/// (<see cref="ReferenceModel"/>: a copy, or a LoRA policy with its adapters off)
/// give every response token's log-probability and value; each token's reward is -β KL-estimate, the last one's plus
/// the score; GAE gives advantages (whitened over the rollout) and returns. Each step then gets one minibatch of one
/// epoch's seeded shuffle of the responses: its rows as prompt-completion batches, and its old log-probabilities,
/// values, advantages and returns in <see cref="Current"/> for <see cref="PpoObjective"/>. The adaptive controller
/// updates β after each rollout; β is the source's checkpointed state. A resume at a rollout's first step collects
/// that rollout again from the restored policy with the restored β.
/// </summary>
public sealed class PpoRollouts : IStatefulBatchSource
{
    private readonly PolicyWithValueHead _policy;
    private readonly ReferenceModel _reference;
    private readonly RewardModel _rewardModel;
    private readonly IReadOnlyList<int[]> _prompts;
    private readonly EpochShuffle _promptOrder;
    private readonly int _padId, _endToken;
    private readonly ulong _seed;
    private Rollout? _rollout;

    public PpoRollouts(PolicyWithValueHead policy, ReferenceModel reference, RewardModel rewardModel, IReadOnlyList<int[]> prompts, PpoConfig config,
        int padId, int endToken, ulong seed)
    {
        Config = config.Validate();
        if (prompts.Count == 0 || prompts.Any(p => p.Length == 0)) throw new ArgumentException("PPO: give at least one prompt, each of at least one token");
        _policy = policy;
        _reference = reference;
        _rewardModel = rewardModel;
        _prompts = prompts;
        _padId = padId;
        _endToken = endToken;
        _seed = seed;
        _promptOrder = new EpochShuffle(prompts.Count, seed, RandomStream.Key("ppo.prompts"));
        KlController = new AdaptiveKlController(config.KlCoefficient, config.TargetKl, config.KlHorizon);
    }

    public PpoConfig Config { get; }
    public AdaptiveKlController KlController { get; }
    /// <summary>The minibatch of the latest <see cref="Batch"/>.</summary>
    public PpoMinibatch? Current { get; private set; }
    /// <summary>The responses of the latest rollout (new tokens only).</summary>
    public IReadOnlyList<int[]> Responses => _rollout?.Responses ?? [];
    /// <summary>Raised once per rollout, after it is collected.</summary>
    public event Action<PpoRolloutStats>? RolloutCollected;

    public string Description =>
        $"PPO rollouts: {_prompts.Count} prompts, {Config.RolloutSize} a rollout, {Config.Epochs} epochs of {Config.MiniBatches} minibatches, seed {_seed}";

    private const string KlCoefficientKey = "kl_coefficient";

    public IReadOnlyDictionary<string, double> State => new Dictionary<string, double> { [KlCoefficientKey] = KlController.Value };

    public void Restore(IReadOnlyDictionary<string, double> state)
    {
        if (state.TryGetValue(KlCoefficientKey, out double beta)) KlController.Restore(beta);
    }

    public TrainingBatch Batch(IBackend backend, long index)
    {
        long rollout = index / Config.StepsPerRollout;
        int within = (int)(index % Config.StepsPerRollout), epoch = within / Config.MiniBatches, part = within % Config.MiniBatches;
        if (_rollout?.Index != rollout) _rollout = Collect(backend, rollout);
        int size = Config.RolloutSize / Config.MiniBatches;
        var order = new EpochShuffle(Config.RolloutSize, _seed ^ (ulong)rollout, RandomStream.Key("ppo.minibatches"));
        int[] rows = [.. Enumerable.Range(part * size, size).Select(i => order.At((long)epoch * Config.RolloutSize + i))];
        var r = _rollout;
        Current = new PpoMinibatch([.. rows.SelectMany(i => r.LogProbs[i])], [.. rows.SelectMany(i => r.Values[i])],
            [.. rows.SelectMany(i => r.Advantages[i])], [.. rows.SelectMany(i => r.Returns[i])]);
        return PromptCompletionBatches.Pack(backend, [.. rows.Select(i => (r.Prompts[i], r.Responses[i]))], _padId);
    }

    private sealed record Rollout(long Index, int[][] Prompts, int[][] Responses, double[][] LogProbs, double[][] Values, double[][] Advantages,
        double[][] Returns);

    private Rollout Collect(IBackend backend, long index)
    {
        int n = Config.RolloutSize;
        int[][] prompts = [.. Enumerable.Range(0, n).Select(i => _prompts[_promptOrder.At(index * n + i)])];
        var options = new GenerationOptions
        {
            MaxNewTokens = Config.MaxNewTokens, Sampling = new SamplingOptions { Temperature = Config.Temperature },
            Seed = _seed ^ (0x9E3779B97F4A7C15UL * (ulong)(index + 1)), StopTokens = [_endToken],
        };
        // An empty response still ends: the end token is what the reward model reads a completion to.
        int[][] responses = [.. Generator.Generate(_policy.Policy, prompts, options).Select(r => r.Length == 0 ? new[] { _endToken } : r)];
        var rows = prompts.Zip(responses, (p, r) => (p, r)).ToArray();
        using var batch = PromptCompletionBatches.Pack(backend, rows, _padId);
        int[] lengths = [.. responses.Select(r => r.Length)];

        double[] scores, logProbs, referenceLogProbs, values;
        using (var tape = new Tape(backend, recordGradients: false))
        {
            // The reward is read where the model has seen the whole response: score rows end with the end token.
            var scored = rows.Select(x => (x.p, x.r[^1] == _endToken ? x.r : [.. x.r, _endToken])).ToArray();
            using var scoreBatch = PromptCompletionBatches.Pack(backend, scored, _padId);
            scores = ToDoubles(_rewardModel.Rewards(tape, scoreBatch.Inputs, scoreBatch.Targets));
            var hidden = _policy.Policy.Hidden(tape, batch.Inputs);
            var (perToken, positions) = SequenceLogProbs.PerToken(tape, _policy.Policy.Logits(tape, hidden), batch.Targets);
            logProbs = ToDoubles(perToken);
            values = ToDoubles(PpoObjective.Values(tape, _policy, hidden, positions));
            referenceLogProbs = ToDoubles(SequenceLogProbs.PerToken(tape, _reference.Logits(tape, batch.Inputs), batch.Targets).LogProbs);
        }

        double beta = KlController.Value;
        var perRow = Split(lengths, logProbs, referenceLogProbs, values);
        var advantages = new double[n][];
        var returns = new double[n][];
        double klSum = 0;
        for (int i = 0; i < n; i++)
        {
            var (lp, reference, v) = perRow[i];
            var rewards = new double[lp.Length];
            for (int t = 0; t < lp.Length; t++)
            {
                double kl = KlEstimators.Estimate(Config.KlEstimator, lp[t], reference[t]);
                rewards[t] = -beta * kl;
                klSum += lp[t] - reference[t];
            }
            rewards[^1] += scores[i];
            (advantages[i], returns[i]) = Gae.Compute(rewards, v, Config.Gamma, Config.Lambda);
        }
        if (Config.WhitenAdvantages)
        {
            var whitened = Gae.Whiten([.. advantages.SelectMany(a => a)]);
            int at = 0;
            foreach (var a in advantages)
                for (int t = 0; t < a.Length; t++) a[t] = whitened[at++];
        }
        var stats = new PpoRolloutStats(index, scores.Average(), klSum / n, beta, lengths.Average());
        KlController.Update(stats.MeanKl, n);
        var rollout = new Rollout(index, prompts, responses, [.. perRow.Select(x => x.LogProbs)], [.. perRow.Select(x => x.Values)], advantages, returns);
        RolloutCollected?.Invoke(stats);
        return rollout;
    }

    private static (double[] LogProbs, double[] Reference, double[] Values)[] Split(int[] lengths, double[] logProbs, double[] reference, double[] values)
    {
        var rows = new (double[], double[], double[])[lengths.Length];
        int at = 0;
        for (int i = 0; i < lengths.Length; i++)
        {
            rows[i] = (logProbs[at..(at + lengths[i])], reference[at..(at + lengths[i])], values[at..(at + lengths[i])]);
            at += lengths[i];
        }
        return rows;
    }

    private static double[] ToDoubles(Variable v) => [.. v.Data.ToArray<float>().Select(x => (double)x)];
}
