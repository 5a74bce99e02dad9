using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Models;
using LlmLab.Tensors;
using LlmLab.Tokenizers;

namespace LlmLab.Prompting;

/// <summary>
/// A decoder-only <see cref="Gpt"/> (LlmLab's own, or a Hugging Face GPT-2 or Llama's <c>DecoderModel.Gpt</c>) as an
/// <see cref="ILanguageModel"/>, scoring as lm-eval's HFLM does for causal models: the input is
/// (context + continuation) cut to its last MaxLength + 1 tokens, without the last one; the logits at the
/// continuation's positions score its tokens. Requests run in batches of rows padded on the right, which a causal
/// model's earlier positions never see. A soft prompt (prompt tuning's learned rows [n, C]) goes in front of every
/// input as embeddings, as peft's PeftModelForCausalLM puts it: it takes n of the context's positions. So does a
/// <see cref="DecoderPrefix"/> (prefix tuning's past keys and values).
/// </summary>
public sealed class DecoderLanguageModel : ILanguageModel
{
    // At most this many logits per forward pass (64 MiB of f32); a longer row still runs, alone.
    private const long LogitsPerBatch = 1L << 24;

    private readonly Gpt _gpt;
    private readonly int? _prefixToken;
    private readonly float[]? _softPrompt;
    private readonly int _virtualTokens;
    private readonly DecoderPrefix? _prefix;

    /// <summary>
    /// <paramref name="eosTokenIds"/> end generation (by default the tokenizer's EOS); <paramref name="prefixTokenId"/>
    /// stands for an empty context (by default the tokenizer's BOS, else the first EOS).
    /// </summary>
    public DecoderLanguageModel(Gpt gpt, ITokenizer tokenizer, string name, IReadOnlyList<int>? eosTokenIds = null, int? prefixTokenId = null,
        Tensor? softPrompt = null, DecoderPrefix? prefix = null)
    {
        if (softPrompt is not null && prefix is not null) throw new ArgumentException($"{name}: a soft prompt and a prefix together are not supported");
        if (prefix is not null && (prefix.Positions < 1 || prefix.Positions >= gpt.Config.Context))
            throw new ArgumentException($"{name}: a prefix of {prefix.Positions} positions does not fit the context of {gpt.Config.Context}");
        _prefix = prefix;
        if (softPrompt is not null && (softPrompt.Rank != 2 || softPrompt.Shape[1] != gpt.Config.Width || softPrompt.Shape[0] >= gpt.Config.Context))
            throw new ArgumentException($"{name}: a soft prompt must be [n, {gpt.Config.Width}] with n below the context of {gpt.Config.Context}, got {softPrompt.Shape}");
        _softPrompt = softPrompt?.ToArray<float>();
        _virtualTokens = softPrompt?.Shape[0] ?? prefix?.Positions ?? 0;
        if (tokenizer.VocabularySize > gpt.Config.VocabularySize)
            throw new ArgumentException($"{name}: the tokenizer has {tokenizer.VocabularySize} tokens, the model only {gpt.Config.VocabularySize}");
        _gpt = gpt;
        Tokenizer = tokenizer;
        Name = name;
        EosTokenIds = eosTokenIds ?? (tokenizer.SpecialTokens.Eos is { } eos ? [eos] : []);
        _prefixToken = prefixTokenId ?? tokenizer.SpecialTokens.Bos ?? (EosTokenIds.Count > 0 ? EosTokenIds[0] : null);
    }

    public string Name { get; }
    public ITokenizer Tokenizer { get; }
    public int MaxLength => _gpt.Config.Context - _virtualTokens;
    public IReadOnlyList<int> EosTokenIds { get; }
    public Gpt Gpt => _gpt;

    private int Vocabulary => _gpt.Config.VocabularySize;

    public (int[] Context, int[] Continuation) EncodePair(string context, string continuation)
    {
        var (head, tail) = TokenScoring.MoveTrailingSpace(context, continuation);
        if (head.Length == 0)
        {
            // lm-eval: the prefix token stands for the empty context, unless the continuation starts with it.
            int[] alone = Tokenizer.Encode(tail);
            int prefix = PrefixToken();
            return alone.Length > 1 && alone[0] == prefix ? ([prefix], alone[1..]) : ([prefix], alone);
        }
        // lm-eval's causal split: the context's own tokens, then what the whole encoding has beyond their count.
        int[] whole = Tokenizer.Encode(head + tail);
        int[] contextIds = Tokenizer.Encode(head);
        if (whole.Length <= contextIds.Length)
            throw new ArgumentException($"the continuation \"{continuation}\" adds no tokens to its context");
        return (contextIds, whole[contextIds.Length..]);
    }

    public int[] EncodeContext(string context) => context.Length == 0 ? [PrefixToken()] : Tokenizer.Encode(context);

    public IReadOnlyList<ContinuationScore> LogLikelihoods(IReadOnlyList<(int[] Context, int[] Continuation)> requests)
    {
        var rows = new (int[] Input, int[] Continuation, int Truncated)[requests.Count];
        for (int i = 0; i < requests.Count; i++)
        {
            var (context, continuation) = requests[i];
            TokenScoring.CheckContinuation(continuation, MaxLength);
            if (context.Length == 0) throw new ArgumentException("a decoder scores a continuation after at least one context token (an empty context is the prefix token)");
            TokenScoring.CheckTokens(context, Vocabulary, "context");
            TokenScoring.CheckTokens(continuation, Vocabulary, "continuation");
            int total = context.Length + continuation.Length, kept = Math.Min(total, MaxLength + 1);
            int[] input = [.. context, .. continuation[..^1]];
            rows[i] = (input[(total - kept)..], continuation, total - kept);
        }

        var results = new ContinuationScore[requests.Count];
        // Longest first, so each batch pads its rows to a similar length.
        int[] order = [.. Enumerable.Range(0, rows.Length).OrderByDescending(i => rows[i].Input.Length)];
        for (int start = 0; start < order.Length;)
        {
            int length = rows[order[start]].Input.Length;
            int count = (int)Math.Clamp(LogitsPerBatch / ((long)length * Vocabulary), 1, order.Length - start);
            ScoreBatch(order.AsSpan(start, count), rows, length, results);
            start += count;
        }
        return results;
    }

    private void ScoreBatch(ReadOnlySpan<int> indices, (int[] Input, int[] Continuation, int Truncated)[] rows, int length,
        ContinuationScore[] results)
    {
        var backend = _gpt.Backend;
        var ids = new int[indices.Length * length];   // padding: token 0, after each row's end
        for (int r = 0; r < indices.Length; r++) rows[indices[r]].Input.CopyTo(ids, r * length);
        using var input = Tensor.From(backend, ids, indices.Length, length);
        using var tape = new Tape(backend, recordGradients: false);
        // A soft prompt's positions have logits of their own; a prefix's do not.
        int prompt = _prefix is null ? _virtualTokens : 0;
        var logits = (_prefix?.Forward(tape, input) ?? Forward(tape, input, null)).Data.Reshape(indices.Length * (prompt + length), Vocabulary);
        for (int r = 0; r < indices.Length; r++)
        {
            var (row, continuation, truncated) = rows[indices[r]];
            int first = r * (prompt + length) + prompt + row.Length - continuation.Length;
            var values = logits.Slice(first, continuation.Length).ToArray<float>();
            results[indices[r]] = TokenScoring.Score(values, Vocabulary, continuation, truncated);
        }
    }

    public GreedyGeneration GenerateGreedy(int[] context, int maxNewTokens, Func<IReadOnlyList<int>, bool>? stop = null)
    {
        if (maxNewTokens < 0) throw new ArgumentException($"max new tokens must be >= 0, got {maxNewTokens}");
        if (context.Length == 0) throw new ArgumentException("generation needs at least one context token (an empty context is the prefix token)");
        TokenScoring.CheckTokens(context, Vocabulary, "context");
        // lm-eval keeps the last max_length - max_gen_toks context tokens; at least one stays.
        int budget = Math.Min(maxNewTokens, MaxLength - 1);
        int kept = Math.Min(context.Length, MaxLength - budget);
        var generated = new List<int>(budget);
        if (budget == 0) return new GreedyGeneration([], context.Length - kept);

        var backend = _gpt.Backend;
        var caches = _gpt.NewCaches(1, _virtualTokens + kept + budget);
        try
        {
            _prefix?.Prefill(caches);
            int[] feed = context[^kept..];
            bool first = true;
            while (generated.Count < budget)
            {
                using var ids = Tensor.From(backend, feed, 1, feed.Length);
                using var tape = new Tape(backend, recordGradients: false);
                var output = Forward(tape, ids, caches, withPrompt: first);
                int positions = output.Shape[1];
                var logits = output.Data.Reshape(positions, Vocabulary);
                int token = TokenScoring.ArgMax(logits.Slice(positions - 1, 1).ToArray<float>());
                first = false;
                generated.Add(token);
                if (EosTokenIds.Contains(token) || (stop?.Invoke(generated) ?? false)) break;
                feed = [token];
            }
        }
        finally
        {
            foreach (var cache in caches) cache.Dispose();
        }
        return new GreedyGeneration([.. generated], context.Length - kept);
    }

    /// <summary>Logits for ids [B, T], with the soft prompt's n positions in front when there is one (and
    /// <paramref name="withPrompt"/>: a cached generation feeds it once).</summary>
    private Variable Forward(Tape tape, Tensor ids, IReadOnlyList<KvCache>? caches, bool withPrompt = true)
    {
        if (_softPrompt is null || !withPrompt) return _gpt.Forward(tape, ids, caches);   // a prefix sits in the caches
        int batch = ids.Shape[0], width = _gpt.Config.Width;
        var rows = new float[batch * _softPrompt.Length];
        for (int b = 0; b < batch; b++) _softPrompt.CopyTo(rows, b * _softPrompt.Length);
        var prompt = tape.Constant(tape.Keep(Tensor.From(_gpt.Backend, rows, batch, _virtualTokens, width)));
        return _gpt.ForwardEmbeddings(tape, tape.Concat(prompt, _gpt.TokenEmbedding.Forward(tape, ids), axis: 1), caches);
    }

    private int PrefixToken() =>
        _prefixToken ?? throw new InvalidOperationException($"{Name}: an empty context needs a prefix token, and the tokenizer has neither BOS nor EOS");
}
