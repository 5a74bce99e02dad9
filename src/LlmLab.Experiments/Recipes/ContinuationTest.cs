using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Evaluation;
using LlmLab.Models;
using LlmLab.Tensors;
using LlmLab.Tokenizers;

namespace LlmLab.Experiments;

/// <summary>
/// Continuation: consecutive held-out windows of <c>length</c> tokens, the first half a prompt, the second half
/// scored token by token (mean negative log-likelihood in nats, one figure a window). The GPT reads the window as
/// it was trained, each token predicting the next. The T5 reads it as span corruption taught it: the prompt and
/// sentinel 0 (a span missing at the end) in its encoder, and writes the continuation after that sentinel. An
/// encoder alone (BERT) has no next-token distribution and takes no part.
/// </summary>
public static class ContinuationTest
{
    /// <summary>The GPT's mean loss on each window's second half.</summary>
    public static double[] Gpt(Gpt gpt, int[] tokens, int length, int windows, int batch, CancellationToken cancellation)
    {
        int prompt = length / 2;
        return Score(gpt.Backend, tokens, length, windows, batch, cancellation, (tape, starts) =>
        {
            // Inputs are the window less its last token; the target of position t is token t + 1.
            var ids = new int[starts.Count * (length - 1)];
            var targets = new int[ids.Length];
            for (int r = 0; r < starts.Count; r++)
                for (int t = 0; t < length - 1; t++)
                {
                    ids[r * (length - 1) + t] = tokens[starts[r] + t];
                    targets[r * (length - 1) + t] = t + 1 >= prompt ? tokens[starts[r] + t + 1] : -100;
                }
            using var input = Tensor.From(gpt.Backend, ids, starts.Count, length - 1);
            return (gpt.Forward(tape, input).Data.ToArray<float>(), targets, length - 1);
        }, gpt.Config.VocabularySize);
    }

    /// <summary>The T5's mean loss on each window's second half, written after sentinel 0.</summary>
    public static double[] T5(T5 t5, SpecialTokens special, int[] tokens, int length, int windows, int batch, CancellationToken cancellation)
    {
        int prompt = length / 2, continuation = length - prompt, sentinel = special.Sentinel(0);
        int eos = special.Eos ?? throw new ArgumentException("the T5's tokenizer has no EOS"), start = special.Pad!.Value;
        return Score(t5.Backend, tokens, length, windows, batch, cancellation, (tape, starts) =>
        {
            var source = new int[starts.Count * (prompt + 2)];
            var decoder = new int[starts.Count * (continuation + 1)];
            var targets = new int[decoder.Length];
            for (int r = 0; r < starts.Count; r++)
            {
                var row = source.AsSpan(r * (prompt + 2), prompt + 2);
                tokens.AsSpan(starts[r], prompt).CopyTo(row);
                row[prompt] = sentinel;
                row[prompt + 1] = eos;
                // Decoder: start, sentinel, then the continuation; the sentinel it predicts first is not scored.
                int at = r * (continuation + 1);
                decoder[at] = start;
                decoder[at + 1] = sentinel;
                targets[at] = -100;
                for (int j = 0; j < continuation; j++)
                {
                    targets[at + 1 + j] = tokens[starts[r] + prompt + j];
                    if (j + 2 <= continuation) decoder[at + 2 + j] = tokens[starts[r] + prompt + j];
                }
            }
            using var input = Tensor.From(t5.Backend, source, starts.Count, prompt + 2);
            using var decoderIds = Tensor.From(t5.Backend, decoder, starts.Count, continuation + 1);
            return (t5.Forward(tape, input, null, decoderIds).Data.ToArray<float>(), targets, continuation + 1);
        }, t5.Config.VocabularySize);
    }

    // Windows start at 0, length, 2 length, ...; forward gives logits [rows, positions, V] and targets (-100: not scored).
    private static double[] Score(IBackend backend, int[] tokens, int length, int windows, int batch, CancellationToken cancellation,
        Func<Tape, IReadOnlyList<int>, (float[] Logits, int[] Targets, int Positions)> forward, int vocabulary)
    {
        int available = tokens.Length / length;
        if (available == 0) throw new ArgumentException($"continuation: {tokens.Length} held-out tokens do not make one window of {length}");
        var losses = new double[Math.Min(windows, available)];
        for (int first = 0; first < losses.Length; first += batch)
        {
            cancellation.ThrowIfCancellationRequested();
            var starts = Enumerable.Range(first, Math.Min(batch, losses.Length - first)).Select(w => w * length).ToArray();
            using var tape = new Tape(backend, recordGradients: false);
            var (logits, targets, positions) = forward(tape, starts);
            for (int r = 0; r < starts.Length; r++)
            {
                var rowLogits = logits.AsSpan(r * positions * vocabulary, positions * vocabulary);
                losses[first + r] = -Perplexity.TokenLogLikelihoods(rowLogits, vocabulary, targets.AsSpan(r * positions, positions)).Average();
            }
        }
        return losses;
    }
}
