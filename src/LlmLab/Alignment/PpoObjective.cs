using LlmLab.Autograd;
using LlmLab.Tensors;
using LlmLab.Training;

namespace LlmLab.Alignment;

/// <summary>What a PPO optimizer step measured, as trl logs it: the clipped policy and value losses, the share of
/// tokens each clip held, the approximate KL to the rollout's policy (0.5 mean (log π - log π_old)²) and the policy's
/// mean entropy over the response tokens.</summary>
public sealed record PpoStepStats(double PolicyLoss, double ValueLoss, double ClipFraction, double ValueClipFraction, double ApproxKl, double Entropy);

/// <summary>
/// PPO's loss for a trainer, over the minibatch <see cref="PpoRollouts"/> handed out with the batch: the clipped policy
/// loss plus <see cref="PpoConfig.ValueCoefficient"/> times the clipped value loss (<see cref="PpoLosses"/>). Their
/// max and clip are piecewise, so the loss enters the tape as its first-order expansion at the point where it is
/// evaluated: the exact value, and the exact gradient with respect to the new log-probabilities and values, from
/// which backward reaches every weight of the policy and its value head.
/// </summary>
public sealed class PpoObjective(PolicyWithValueHead policy, PpoRollouts rollouts)
{
    public PpoStepStats? Last { get; private set; }

    public Variable Loss(Tape tape, TrainingBatch batch)
    {
        var data = rollouts.Current ?? throw new InvalidOperationException("PPO: no rollout minibatch; the batch must come from the PpoRollouts");
        var hidden = policy.Policy.Hidden(tape, batch.Inputs);
        var logits = policy.Policy.Logits(tape, hidden);
        var (logProbs, positions) = SequenceLogProbs.PerToken(tape, logits, batch.Targets);
        if (positions.Length != data.OldLogProbs.Length)
            throw new InvalidOperationException($"PPO: the batch scores {positions.Length} tokens, its rollout data {data.OldLogProbs.Length}");
        var values = Values(tape, policy, hidden, positions);

        double[] lp = ToDoubles(logProbs), v = ToDoubles(values);
        var config = rollouts.Config;
        var pg = PpoLosses.Policy(lp, data.OldLogProbs, data.Advantages, config.ClipRange);
        var vf = PpoLosses.Value(v, data.OldValues, data.Returns, config.ValueClipRange);
        double total = pg.Value + config.ValueCoefficient * vf.Value;
        var loss = FirstOrder(tape, total, (logProbs, lp, pg.Gradient, 1), (values, v, vf.Gradient, config.ValueCoefficient));

        double approxKl = 0.5 * lp.Zip(data.OldLogProbs, (a, b) => (a - b) * (a - b)).Average();
        Last = new PpoStepStats(pg.Value, vf.Value, pg.ClipFraction, vf.ClipFraction, approxKl, MeanEntropy(logits.Data, positions));
        return loss;
    }

    /// <summary>The value head's estimates [n, 1] at flat positions r·T + t of hidden states [R, T, C].</summary>
    public static Variable Values(Tape tape, PolicyWithValueHead policy, Variable hidden, int[] positions)
    {
        int rows = hidden.Shape[0], time = hidden.Shape[1], width = hidden.Shape[2];
        var at = tape.Keep(Tensor.From(tape.Backend, positions, positions.Length));
        return policy.ValueHead.Forward(tape, tape.Embedding(tape.Reshape(hidden, rows * time, width), at));
    }

    // value + Σ_k coefficient_k g_k · (x_k - x_k(now)): the loss's value here, its gradient g with respect to each x.
    private static Variable FirstOrder(Tape tape, double value, params (Variable X, double[] Now, double[] Gradient, double Coefficient)[] terms)
    {
        Variable? sum = null;
        double offset = value;
        foreach (var (x, now, gradient, coefficient) in terms)
        {
            var g = gradient.Select(d => (float)(coefficient * d)).ToArray();
            offset -= g.Select((d, i) => d * now[i]).Sum();
            var term = tape.MatMul(tape.Constant(tape.Keep(Tensor.From(tape.Backend, g, 1, g.Length))), x);
            sum = sum is null ? term : tape.Add(sum, term);
        }
        return tape.Add(sum!, tape.Constant(tape.Keep(Tensor.From(tape.Backend, [(float)offset], 1, 1))));
    }

    // Mean entropy of the policy's next-token distribution at the scored positions.
    private static double MeanEntropy(Tensor logits, int[] positions)
    {
        int vocabulary = logits.Shape[2];
        var all = logits.ToArray<float>();
        double sum = 0;
        foreach (int p in positions)
        {
            var row = all.AsSpan(p * vocabulary, vocabulary);
            float max = float.NegativeInfinity;
            foreach (float z in row) max = Math.Max(max, z);
            double normaliser = 0, weighted = 0;
            foreach (float z in row)
            {
                double e = Math.Exp(z - max);
                normaliser += e;
                weighted += e * (z - max);
            }
            sum += Math.Log(normaliser) - weighted / normaliser;
        }
        return sum / positions.Length;
    }

    private static double[] ToDoubles(Variable v) => [.. v.Data.ToArray<float>().Select(x => (double)x)];
}
