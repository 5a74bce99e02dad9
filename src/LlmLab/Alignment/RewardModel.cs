using LlmLab.Autograd;
using LlmLab.Models;
using LlmLab.Nn;
using LlmLab.Random;
using LlmLab.Tensors;
using LlmLab.Training;

namespace LlmLab.Alignment;

/// <summary>
/// A reward model as trl trains one (AutoModelForSequenceClassification with one label): a GPT ("transformer")
/// whose final hidden state at a row's last scored position goes through a bias-free linear "score" head to one
/// number. Rows come as <see cref="PromptCompletionBatches"/> packs them, with an end token after each completion:
/// the last position whose target is not -100 is where the model has read the whole completion. Trained on
/// preference pairs (<see cref="PreferenceBatches"/>, row 2i chosen, 2i + 1 rejected) with the pairwise loss
/// -log σ(r_chosen - r_rejected), as a cross-entropy over the pair's two scores.
/// </summary>
public sealed class RewardModel : Module
{
    public RewardModel(Gpt transformer, ulong seed)
    {
        Transformer = Child("transformer", transformer);
        // The LM head (when untied) has no part in a reward: it stays frozen and out of the optimizer.
        if (transformer.Head is not null) transformer.Head.Weight.RequiresGrad = false;
        // transformers' default init for the score head: N(0, 0.02).
        Score = Child("score", new Linear(transformer.Backend, transformer.Config.Width, 1, bias: false, new RandomStream(seed, "reward.score"), std: 0.02f));
    }

    public Gpt Transformer { get; }
    public Linear Score { get; }

    /// <summary>[R, 1]: each row's reward at its last scored position (see the class summary).</summary>
    public Variable Rewards(Tape tape, Tensor inputs, Tensor targets)
    {
        int rows = inputs.Shape[0], time = inputs.Shape[1];
        var last = LastScored(targets, rows, time);
        var hidden = tape.Reshape(Transformer.Hidden(tape, inputs), rows * time, Transformer.Config.Width);
        var at = tape.Keep(Tensor.From(tape.Backend, [.. last.Select((t, r) => r * time + t)], rows));
        return Score.Forward(tape, tape.Embedding(hidden, at));
    }

    /// <summary>Mean over the batch's pairs of -log σ(r_chosen - r_rejected).</summary>
    public Variable PairwiseLoss(Tape tape, TrainingBatch batch) => PairwiseLoss(tape, Rewards(tape, batch.Inputs, batch.Targets));

    /// <summary>The pairwise loss from rewards [2P, 1] (chosen, rejected, chosen, ...): softmax over each pair's two
    /// scores, the chosen one the target, so each term is -log σ(r_c - r_r).</summary>
    public static Variable PairwiseLoss(Tape tape, Variable rewards)
    {
        int pairs = rewards.Shape[0] / 2;
        if (rewards.Shape[0] != 2 * pairs || pairs == 0) throw new ArgumentException($"pairwise loss: rewards must be [2 P, 1] (chosen, rejected, ...), got shape {rewards.Shape}");
        return tape.CrossEntropy(tape.Reshape(rewards, pairs, 2), tape.Keep(Tensor.From(tape.Backend, new long[pairs], pairs)));
    }

    // A row's last position whose target is not -100.
    private static int[] LastScored(Tensor targets, int rows, int time)
    {
        var labels = targets.ToArray<long>();
        var last = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            last[r] = -1;
            for (int t = 0; t < time; t++)
                if (labels[r * time + t] != PromptCompletionBatches.IgnoreIndex) last[r] = t;
            if (last[r] < 0) throw new ArgumentException($"reward model: row {r} has no completion to score");
        }
        return last;
    }
}
