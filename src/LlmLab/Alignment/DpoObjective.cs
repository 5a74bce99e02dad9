using LlmLab.Autograd;
using LlmLab.Models;
using LlmLab.Tensors;
using LlmLab.Training;

namespace LlmLab.Alignment;

/// <summary>What a DPO step measured, as trl logs it: the implicit rewards β (log π - log π_ref) of the chosen and
/// rejected completions (means), their margin, and the share of pairs whose chosen reward is the higher.</summary>
public sealed record DpoStats(double Loss, double ChosenReward, double RejectedReward, double Margin, double Accuracy);

/// <summary>
/// Direct preference optimisation (Rafailov et al. 2023, trl's DPOTrainer with its default sigmoid loss):
/// -log σ(β ((log π(y_c|x) - log π_ref(y_c|x)) - (log π(y_r|x) - log π_ref(y_r|x)))) averaged over a batch of
/// pairs (<see cref="PreferenceBatches"/>: row 2i chosen, 2i + 1 rejected), the log-probabilities those of the
/// completion tokens (<see cref="SequenceLogProbs"/>). The reference (<see cref="ReferenceModel"/>: a frozen copy, or
/// a LoRA policy's base) is read without gradients; β
/// (trl's default 0.1) sets how far the policy may move from it. <see cref="Loss"/> is a trainer's loss function;
/// <see cref="Last"/> holds the statistics of the latest call.
/// </summary>
public sealed class DpoObjective(Gpt policy, ReferenceModel reference, double beta = DpoObjective.DefaultBeta)
{
    public const double DefaultBeta = 0.1;

    /// <summary>DPO against a separate frozen copy.</summary>
    public DpoObjective(Gpt policy, Gpt reference, double beta = DefaultBeta) : this(policy, ReferenceModel.Frozen(reference), beta)
    {
    }

    public Gpt Policy { get; } = policy;
    public ReferenceModel Reference { get; } = reference;
    public double Beta { get; } = beta > 0 ? beta : throw new ArgumentOutOfRangeException(nameof(beta), beta, "DPO's beta must be positive");
    public DpoStats? Last { get; private set; }

    public Variable Loss(Tape tape, TrainingBatch batch)
    {
        var reference = ReferenceLogProbs(Reference, batch);
        var (loss, stats) = Compute(tape, SequenceLogProbs.Of(tape, Policy.Forward(tape, batch.Inputs), batch.Targets), reference, Beta);
        Last = stats;
        return loss;
    }

    /// <summary>The completion log-probabilities [2P] of the reference, computed on a tape of its own without gradients.</summary>
    public static float[] ReferenceLogProbs(ReferenceModel reference, TrainingBatch batch)
    {
        using var tape = new Tape(batch.Inputs.Backend, recordGradients: false);
        return SequenceLogProbs.Of(tape, reference.Logits(tape, batch.Inputs), batch.Targets).Data.ToArray<float>();
    }

    /// <summary>
    /// The DPO loss from the policy's completion log-probabilities [2P, 1] (chosen, rejected, ...) and the
    /// reference's, with the step's statistics.
    /// </summary>
    public static (Variable Loss, DpoStats Stats) Compute(Tape tape, Variable policyLogProbs, float[] referenceLogProbs, double beta)
    {
        int pairs = policyLogProbs.Shape[0] / 2;
        if (policyLogProbs.Shape[0] != 2 * pairs || pairs == 0 || referenceLogProbs.Length != 2 * pairs)
            throw new ArgumentException($"DPO: log-probabilities must be [2 P, 1] for both models, got {policyLogProbs.Shape} and {referenceLogProbs.Length}");
        var backend = tape.Backend;
        Variable Constant(float[] values, params int[] shape) => tape.Constant(tape.Keep(Tensor.From(backend, values, shape)));

        // (log π(c) - log π(r)) - (log π_ref(c) - log π_ref(r)), scaled by β: the pair's logit.
        var policyMargin = tape.MatMul(tape.Reshape(policyLogProbs, pairs, 2), Constant([1f, -1f], 2, 1));
        var referenceMargin = Enumerable.Range(0, pairs).Select(p => -(referenceLogProbs[2 * p] - referenceLogProbs[2 * p + 1])).ToArray();
        var z = tape.Scale(tape.Add(policyMargin, Constant(referenceMargin, pairs, 1)), (float)beta);
        // -log σ(z) = cross-entropy of the logits [z, 0] with the first one the target.
        var loss = tape.CrossEntropy(tape.Concat(z, Constant(new float[pairs], pairs, 1), axis: 1), tape.Keep(Tensor.From(backend, new long[pairs], pairs)));

        var policy = policyLogProbs.Data.ToArray<float>();
        double[] chosen = [.. Enumerable.Range(0, pairs).Select(p => beta * (policy[2 * p] - referenceLogProbs[2 * p]))];
        double[] rejected = [.. Enumerable.Range(0, pairs).Select(p => beta * (policy[2 * p + 1] - referenceLogProbs[2 * p + 1]))];
        var stats = new DpoStats(loss.Data.ToArray<float>()[0], chosen.Average(), rejected.Average(),
            chosen.Zip(rejected, (c, r) => c - r).Average(), chosen.Zip(rejected, (c, r) => c > r ? 1.0 : 0.0).Average());
        return (loss, stats);
    }
}
