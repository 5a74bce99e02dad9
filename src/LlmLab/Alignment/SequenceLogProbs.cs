using LlmLab.Autograd;
using LlmLab.Tensors;
using LlmLab.Training;

namespace LlmLab.Alignment;

/// <summary>
/// Each row's log-probability of its completion, Σ_t log p(target_t | tokens before t) over the positions whose
/// target is not -100 (trl's get_batch_logps with the prompt masked): from logits [R, T, V] and targets [R T] as
/// <see cref="PromptCompletionBatches"/> builds them. Differentiable: log-softmax, then the target entries picked
/// from it, then a sum per row as a product with a 0/1 matrix.
/// </summary>
public static class SequenceLogProbs
{
    /// <summary>[R, 1]: the completion log-probability of every row.</summary>
    public static Variable Of(Tape tape, Variable logits, Tensor targets)
    {
        var (perToken, positions) = PerToken(tape, logits, targets);
        int rows = logits.Shape[0], time = logits.Shape[1];
        var sum = new float[rows * positions.Length];
        for (int i = 0; i < positions.Length; i++) sum[positions[i] / time * positions.Length + i] = 1;
        return tape.MatMul(tape.Constant(tape.Keep(Tensor.From(tape.Backend, sum, rows, positions.Length))), perToken);
    }

    /// <summary>
    /// [n, 1]: the log-probability of every scored target, row by row and in order (a PPO rollout's per-token
    /// log-probabilities), with each one's flat position r·T + t in the logits.
    /// </summary>
    public static (Variable LogProbs, int[] Positions) PerToken(Tape tape, Variable logits, Tensor targets)
    {
        if (logits.Shape.Rank != 3) throw new ArgumentException($"sequence log-probabilities need logits [rows, time, vocabulary], got shape {logits.Shape}");
        int rows = logits.Shape[0], time = logits.Shape[1], vocabulary = logits.Shape[2];
        var labels = targets.ToArray<long>();
        if (labels.Length != rows * time) throw new ArgumentException($"targets of {labels.Length} entries do not fit logits {logits.Shape}");
        var picks = new List<int>();
        var positions = new List<int>();
        for (int r = 0; r < rows; r++)
        {
            int before = picks.Count;
            for (int t = 0; t < time; t++)
            {
                long label = labels[r * time + t];
                if (label == PromptCompletionBatches.IgnoreIndex) continue;
                if (label < 0 || label >= vocabulary) throw new ArgumentException($"target {label} at row {r}, position {t} is outside the vocabulary of {vocabulary}");
                picks.Add(checked((r * time + t) * vocabulary + (int)label));
                positions.Add(r * time + t);
            }
            if (picks.Count == before) throw new ArgumentException($"row {r} has no completion tokens to score");
        }
        var logProbs = tape.LogSoftmax(tape.Reshape(logits, rows * time, vocabulary));
        var picked = tape.Embedding(tape.Reshape(logProbs, rows * time * vocabulary, 1), tape.Keep(Tensor.From(tape.Backend, picks.ToArray(), picks.Count)));
        return (picked, [.. positions]);
    }

    /// <summary>How many completion tokens each row scores.</summary>
    public static int[] Counts(Tensor targets, int rows)
    {
        var labels = targets.ToArray<long>();
        int time = labels.Length / rows;
        return [.. Enumerable.Range(0, rows).Select(r => labels.Skip(r * time).Take(time).Count(l => l != PromptCompletionBatches.IgnoreIndex))];
    }
}
