using LlmLab.Autograd;
using LlmLab.Models;
using LlmLab.Tensors;
using LlmLab.Tokenizers;

namespace LlmLab.Prompting;

/// <summary>
/// An encoder-decoder <see cref="T5"/> as an <see cref="ILanguageModel"/>, scoring as lm-eval's HFLM does for
/// seq2seq models: the context (its last MaxLength tokens) goes to the encoder, the continuation is the decoder's
/// target (the decoder reads the start token, then the continuation shifted right). Requests with the same
/// context share a batch, their decoder rows padded on the right.
/// </summary>
public sealed class Seq2SeqLanguageModel : ILanguageModel
{
    /// <summary>T5's tokenizer's model_max_length, what lm-eval takes when the config names no length.</summary>
    public const int DefaultMaxLength = 512;

    private const long LogitsPerBatch = 1L << 24;

    private readonly T5 _t5;
    private readonly int _decoderStart;

    /// <summary>
    /// <paramref name="decoderStartTokenId"/> is the decoder's first token (config.json's decoder_start_token_id,
    /// for T5 the pad token); <paramref name="eosTokenIds"/> end generation, the first also ending each context (by
    /// default the tokenizer's EOS); <paramref name="maxLength"/> bounds the encoder input.
    /// </summary>
    public Seq2SeqLanguageModel(T5 t5, ITokenizer tokenizer, string name, int decoderStartTokenId, IReadOnlyList<int>? eosTokenIds = null,
        int maxLength = DefaultMaxLength)
    {
        if (tokenizer.VocabularySize > t5.Config.VocabularySize)
            throw new ArgumentException($"{name}: the tokenizer has {tokenizer.VocabularySize} tokens, the model only {t5.Config.VocabularySize}");
        if ((uint)decoderStartTokenId >= (uint)t5.Config.VocabularySize)
            throw new ArgumentException($"{name}: decoder start token {decoderStartTokenId} is outside the vocabulary of {t5.Config.VocabularySize}");
        if (maxLength < 1) throw new ArgumentException($"{name}: max length must be positive, got {maxLength}");
        _t5 = t5;
        _decoderStart = decoderStartTokenId;
        Tokenizer = tokenizer;
        Name = name;
        MaxLength = maxLength;
        EosTokenIds = eosTokenIds ?? (tokenizer.SpecialTokens.Eos is { } eos ? [eos] : []);
    }

    public string Name { get; }
    public ITokenizer Tokenizer { get; }
    public int MaxLength { get; }
    public IReadOnlyList<int> EosTokenIds { get; }
    public T5 T5 => _t5;

    private int Vocabulary => _t5.Config.VocabularySize;

    public (int[] Context, int[] Continuation) EncodePair(string context, string continuation)
    {
        var (head, tail) = TokenScoring.MoveTrailingSpace(context, continuation);
        int[] continuationIds = Tokenizer.Encode(tail);
        if (continuationIds.Length == 0) throw new ArgumentException($"the continuation \"{continuation}\" encodes to no tokens");
        return (EncodeContext(head), continuationIds);
    }

    /// <summary>The context's tokens followed by EOS, as T5's tokenizer encodes an input (EOS alone for "").</summary>
    public int[] EncodeContext(string context) => [.. Tokenizer.Encode(context), .. EosTokenIds.Take(1)];

    public IReadOnlyList<ContinuationScore> LogLikelihoods(IReadOnlyList<(int[] Context, int[] Continuation)> requests)
    {
        var results = new ContinuationScore[requests.Count];
        var groups = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var encoderInputs = new int[requests.Count][];
        for (int i = 0; i < requests.Count; i++)
        {
            var (context, continuation) = requests[i];
            TokenScoring.CheckContinuation(continuation, MaxLength);
            if (context.Length == 0) throw new ArgumentException("T5 scores a continuation after at least one encoder token");
            TokenScoring.CheckTokens(context, Vocabulary, "context");
            TokenScoring.CheckTokens(continuation, Vocabulary, "continuation");
            encoderInputs[i] = context[^Math.Min(context.Length, MaxLength)..];
            string key = string.Join(',', encoderInputs[i]);
            if (!groups.TryGetValue(key, out var group)) groups[key] = group = [];
            group.Add(i);
        }

        foreach (var group in groups.Values)
        {
            int[] order = [.. group.OrderByDescending(i => requests[i].Continuation.Length)];
            for (int start = 0; start < order.Length;)
            {
                int length = requests[order[start]].Continuation.Length;
                int count = (int)Math.Clamp(LogitsPerBatch / ((long)length * Vocabulary), 1, order.Length - start);
                ScoreBatch(order.AsSpan(start, count), requests, encoderInputs, length, results);
                start += count;
            }
        }
        return results;
    }

    private void ScoreBatch(ReadOnlySpan<int> indices, IReadOnlyList<(int[] Context, int[] Continuation)> requests, int[][] encoderInputs,
        int length, ContinuationScore[] results)
    {
        var backend = _t5.Backend;
        int[] encoder = encoderInputs[indices[0]];
        var encoderIds = new int[indices.Length * encoder.Length];
        var decoderIds = new int[indices.Length * length];   // padding: token 0, after each row's end
        for (int r = 0; r < indices.Length; r++)
        {
            encoder.CopyTo(encoderIds, r * encoder.Length);
            int[] continuation = requests[indices[r]].Continuation;
            decoderIds[r * length] = _decoderStart;
            continuation.AsSpan(0, continuation.Length - 1).CopyTo(decoderIds.AsSpan(r * length + 1));
        }
        using var inputs = Tensor.From(backend, encoderIds, indices.Length, encoder.Length);
        using var decoderInputs = Tensor.From(backend, decoderIds, indices.Length, length);
        using var tape = new Tape(backend, recordGradients: false);
        var logits = _t5.Forward(tape, inputs, attentionMask: null, decoderInputs).Data.Reshape(indices.Length * length, Vocabulary);
        for (int r = 0; r < indices.Length; r++)
        {
            var (context, continuation) = requests[indices[r]];
            var values = logits.Slice(r * length, continuation.Length).ToArray<float>();
            results[indices[r]] = TokenScoring.Score(values, Vocabulary, continuation, context.Length - encoder.Length);
        }
    }

    public GreedyGeneration GenerateGreedy(int[] context, int maxNewTokens, Func<IReadOnlyList<int>, bool>? stop = null)
    {
        if (maxNewTokens < 0) throw new ArgumentException($"max new tokens must be >= 0, got {maxNewTokens}");
        if (context.Length == 0) throw new ArgumentException("T5 generation needs at least one encoder token");
        TokenScoring.CheckTokens(context, Vocabulary, "context");
        int[] encoderInput = context[^Math.Min(context.Length, MaxLength)..];
        int truncated = context.Length - encoderInput.Length;
        var generated = new List<int>(maxNewTokens);
        if (maxNewTokens == 0) return new GreedyGeneration([], truncated);

        var backend = _t5.Backend;
        using var encoderTape = new Tape(backend, recordGradients: false);
        using var ids = Tensor.From(backend, encoderInput, 1, encoderInput.Length);
        var encoded = _t5.Encode(encoderTape, ids, padding: null);
        using var cache = _t5.NewDecoderCache(encoded, maxNewTokens);
        int next = _decoderStart;
        while (generated.Count < maxNewTokens)
        {
            using var decoderIds = Tensor.From(backend, new[] { next }, 1, 1);
            using var tape = new Tape(backend, recordGradients: false);
            var logits = _t5.Decode(tape, decoderIds, encoded, encoderPadding: null, cache).Data;   // [1, 1, V]
            next = TokenScoring.ArgMax(logits.ToArray<float>());
            generated.Add(next);
            if (EosTokenIds.Contains(next) || (stop?.Invoke(generated) ?? false)) break;
        }
        return new GreedyGeneration([.. generated], truncated);
    }
}
