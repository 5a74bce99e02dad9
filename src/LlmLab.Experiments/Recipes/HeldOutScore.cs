using LlmLab.Autograd;
using LlmLab.Tensors;

namespace LlmLab.Experiments;

/// <summary>
/// How well a model predicts held-out text: the mean negative log-likelihood per scored token (nats), its perplexity
/// (exp of it), and per character: <see cref="Characters"/> is the length of the text the scored tokens spell, so
/// nats and bits per character compare models with different tokenizers. With a character tokenizer a token is a
/// character.
/// </summary>
public sealed record HeldOutScore(long Tokens, long Characters, double Loss)
{
    public double Perplexity => LlmLab.Evaluation.Perplexity.FromMeanNegativeLogLikelihood(Loss);
    public double LossPerCharacter => Loss * Tokens / Characters;
    public double BitsPerCharacter => LossPerCharacter / Math.Log(2);

    /// <summary>
    /// Scores <paramref name="text"/> with the model in non-overlapping windows of its context: each window's tokens
    /// predict the next ones (HF's perplexity with stride = context), <paramref name="batchSize"/> windows a forward
    /// pass, at most <paramref name="maxBatches"/> passes (0: the whole text). Tokens that stand for characters outside
    /// the vocabulary (the character tokenizer's UNK) are not scored. Log-likelihoods are summed in float64 in text
    /// order, so the score is a pure function of the model and the text.
    /// </summary>
    public static HeldOutScore Measure(TinyGpt model, string text, int batchSize, int maxBatches, CancellationToken cancellation)
    {
        var gpt = model.Model;
        int context = gpt.Config.Context, vocabulary = gpt.Config.VocabularySize;
        int[] tokens = model.Tokenizer.Encode(text);
        int unknown = model.Tokenizer.SpecialTokens.Unk ?? -1;
        long windows = (tokens.Length - 1) / context;
        if (maxBatches > 0) windows = Math.Min(windows, (long)maxBatches * batchSize);
        if (windows == 0)
            throw new ArgumentException($"held-out text of {tokens.Length} tokens is shorter than one window of the model's context ({context} + 1)");

        double sum = 0;
        long scored = 0;
        for (long first = 0; first < windows; first += batchSize)
        {
            cancellation.ThrowIfCancellationRequested();
            int rows = (int)Math.Min(batchSize, windows - first);
            var inputs = new int[rows * context];
            var targets = new int[rows * context];
            for (int r = 0; r < rows; r++)
            {
                int offset = (int)((first + r) * context);
                Array.Copy(tokens, offset, inputs, r * context, context);
                for (int t = 0; t < context; t++)
                {
                    int target = tokens[offset + t + 1];
                    targets[r * context + t] = target == unknown ? -100 : target;
                }
            }
            using var ids = Tensor.From(gpt.Backend, inputs, rows, context);
            using var tape = new Tape(gpt.Backend, recordGradients: false);
            float[] logits = gpt.Forward(tape, ids).Data.ToArray<float>();
            foreach (double logProbability in LlmLab.Evaluation.Perplexity.TokenLogLikelihoods(logits, vocabulary, targets))
            {
                sum -= logProbability;
                scored++;
            }
        }
        if (scored == 0) throw new ArgumentException("held-out text: no character of it is in the model's vocabulary");
        // The scored targets are tokens 1 .. windows * context; unknown ones decode to nothing.
        long characters = model.Tokenizer.Decode(tokens.AsSpan(1, (int)(windows * context))).Length;
        return new HeldOutScore(scored, characters, sum / scored);
    }
}
