using System.Text.RegularExpressions;
using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Models;
using LlmLab.Tensors;
using LlmLab.Tokenizers;

namespace LlmLab.Experiments;

/// <summary>
/// Cloze: a held-out word is hidden and the model names it, top-1 over the vocabulary's ordinary tokens
/// (<see cref="Accuracy"/>). An item is
/// a whole-word token (a space and three or more letters, the next token not going on with letters) with
/// <c>half</c> tokens of text on each side. Each family reads the item as its objective taught it: the BERT the
/// window with &lt;mask&gt; in the word's place, the T5 the window with sentinel 0 there and the word as the first
/// token its decoder writes after that sentinel, the GPT the left half only (a causal model cannot look right).
/// </summary>
public static partial class ClozeTest
{
    /// <summary>
    /// Positions of up to <paramref name="count"/> items in <paramref name="tokens"/>, every k-th candidate so that
    /// they spread over the text (none is random, so every family gets the same items).
    /// </summary>
    public static int[] Items(ITokenizer tokenizer, int[] tokens, int half, int count)
    {
        var candidates = WholeWords(tokenizer, tokens).Where(p => p >= half && p + half <= tokens.Length).ToList();
        int taken = Math.Min(count, candidates.Count);
        return [.. Enumerable.Range(0, taken).Select(i => candidates[(int)((long)i * candidates.Count / taken)])];
    }

    /// <summary>
    /// The baseline that reads no context: the whole-word token most often in <paramref name="tokens"/> (the
    /// training text), named for every item.
    /// </summary>
    public static int MostFrequentWord(ITokenizer tokenizer, int[] tokens) =>
        WholeWords(tokenizer, tokens).GroupBy(p => tokens[p]).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First().Key;

    // Positions of whole-word tokens: a space and three or more letters, the next token not going on with letters.
    private static IEnumerable<int> WholeWords(ITokenizer tokenizer, int[] tokens)
    {
        var texts = Enumerable.Range(0, tokenizer.VocabularySize)
            .Select(id => tokenizer.SpecialTokens.IsSpecial(id) ? "" : tokenizer.Decode([id])).ToArray();
        for (int p = 0; p + 1 < tokens.Length; p++)
            if (WholeWord().IsMatch(texts[tokens[p]]) && !(texts[tokens[p + 1]] is [var next, ..] && char.IsLetter(next)))
                yield return p;
    }

    /// <summary>The GPT's top ordinary token after each item's left half.</summary>
    public static int[] Gpt(Gpt gpt, SpecialTokens special, int[] tokens, IReadOnlyList<int> items, int half, int batch, CancellationToken cancellation) =>
        Predict(gpt.Backend, special, tokens, items, batch, cancellation, (tape, rows) =>
        {
            using var ids = Windows(gpt.Backend, tokens, rows, half, right: 0, hidden: null, suffix: null);
            return (gpt.Forward(tape, ids).Data.ToArray<float>(), half, half - 1);
        });

    /// <summary>The BERT's top ordinary token at &lt;mask&gt;.</summary>
    public static int[] Bert(Bert bert, SpecialTokens special, int[] tokens, IReadOnlyList<int> items, int half, int batch, CancellationToken cancellation) =>
        Predict(bert.Backend, special, tokens, items, batch, cancellation, (tape, rows) =>
        {
            using var ids = Windows(bert.Backend, tokens, rows, half, right: half, hidden: special.Mask, suffix: null);
            return (bert.Forward(tape, ids).Data.ToArray<float>(), 2 * half, half);
        });

    /// <summary>The T5's top ordinary token after sentinel 0.</summary>
    public static int[] T5(T5 t5, SpecialTokens special, int[] tokens, IReadOnlyList<int> items, int half, int batch, CancellationToken cancellation) =>
        Predict(t5.Backend, special, tokens, items, batch, cancellation, (tape, rows) =>
        {
            int sentinel = special.Sentinel(0), start = special.Pad!.Value;
            using var ids = Windows(t5.Backend, tokens, rows, half, right: half, hidden: sentinel, suffix: special.Eos);
            using var decoder = Tensor.From(t5.Backend, [.. rows.SelectMany(_ => new[] { start, sentinel })], rows.Count, 2);
            return (t5.Forward(tape, ids, null, decoder).Data.ToArray<float>(), 2, 1);
        });

    /// <summary>1 where the prediction is the hidden word, else 0.</summary>
    public static double[] Accuracy(int[] tokens, IReadOnlyList<int> items, int[] predicted) =>
        [.. items.Select((p, i) => predicted[i] == tokens[p] ? 1.0 : 0.0)];

    // Runs the items a batch at a time; forward gives the logits [rows, length, V] and the position read.
    private static int[] Predict(IBackend backend, SpecialTokens special, int[] tokens, IReadOnlyList<int> items, int batch, CancellationToken cancellation,
        Func<Tape, IReadOnlyList<int>, (float[] Logits, int Length, int At)> forward)
    {
        int vocabulary = special.VocabularySize;
        var predicted = new int[items.Count];
        for (int first = 0; first < items.Count; first += batch)
        {
            cancellation.ThrowIfCancellationRequested();
            var rows = items.Skip(first).Take(batch).ToArray();
            using var tape = new Tape(backend, recordGradients: false);
            var (logits, length, at) = forward(tape, rows);
            for (int r = 0; r < rows.Length; r++)
                predicted[first + r] = Best(logits.AsSpan((r * length + at) * vocabulary, vocabulary), special);
        }
        return predicted;
    }

    /// <summary>
    /// [rows, half + right (+ 1)]: the <paramref name="half"/> tokens before each item, then the item's place
    /// (<paramref name="hidden"/>, when the window goes on past it) and the <paramref name="right"/> - 1 after it,
    /// then <paramref name="suffix"/>.
    /// </summary>
    private static Tensor Windows(IBackend backend, int[] tokens, IReadOnlyList<int> rows, int half, int right, int? hidden, int? suffix)
    {
        int length = half + right + (suffix is null ? 0 : 1);
        var ids = new int[rows.Count * length];
        for (int r = 0; r < rows.Count; r++)
        {
            var row = ids.AsSpan(r * length, length);
            tokens.AsSpan(rows[r] - half, half + right).CopyTo(row);
            if (right > 0) row[half] = hidden!.Value;
            if (suffix is int eos) row[^1] = eos;
        }
        return Tensor.From(backend, ids, rows.Count, length);
    }

    /// <summary>The ordinary token with the highest logit (the first on a tie).</summary>
    private static int Best(ReadOnlySpan<float> logits, SpecialTokens special)
    {
        int best = -1;
        for (int id = 0; id < logits.Length; id++)
            if (!special.IsSpecial(id) && (best < 0 || logits[id] > logits[best])) best = id;
        return best;
    }

    [GeneratedRegex("^ [A-Za-z]{3,}$")]
    private static partial Regex WholeWord();
}
