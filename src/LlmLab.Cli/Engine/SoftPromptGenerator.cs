using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Generation;
using LlmLab.Models;
using LlmLab.Models.HuggingFace;
using LlmLab.Peft;
using LlmLab.Tensors;

namespace LlmLab.Cli.Engine;

/// <summary>
/// Generation with a prompt-tuning adapter, as peft's generate does it: the learned rows go in front of the prompt's
/// embeddings (a decoder-only model's input; T5's encoder input, its decoder unchanged). The output is what
/// <see cref="HfModel.Generate"/> returns (the prompt and the new tokens; T5: the decoder start token and the new
/// tokens), the virtual tokens not among them. Each step draws with the backend's sampler keyed by (seed, step) as
/// <see cref="Generator"/> does, the repetition penalty seeing the real tokens only; greedy decoding gives the tokens
/// of <see cref="Prompting.DecoderLanguageModel"/> with the same soft prompt. The decoder keeps a KV cache; a
/// decoder-only model's context must hold the virtual tokens, the prompt and every new token (no sliding window).
/// </summary>
internal static class SoftPromptGenerator
{
    public static int[] Generate(HfModel model, PromptTuning tuning, IReadOnlyList<int> prompt, GenerationOptions options)
    {
        if (options.MaxNewTokens < 0) throw new ArgumentException($"max new tokens must be >= 0, got {options.MaxNewTokens}");
        if (prompt.Count == 0) throw new ArgumentException("a prompt needs at least one token");
        options.Sampling.Validate();
        var stops = options.StopTokens.Concat(model.EosTokenIds).Distinct().ToArray();
        int n = tuning.Prompt.VirtualTokens, width = tuning.TokenDim;
        // T5 keeps 2n rows; its encoder reads the first n (peft's num_transformer_submodules 2).
        float[] rows = tuning.Prompt.Embedding.Weight.Data.ToArray<float>()[..(n * width)];
        return model switch
        {
            DecoderModel decoder => [.. prompt, .. Decoder(decoder.Gpt, n, prompt, options, stops, null,
                (tape, ids, caches) => decoder.Gpt.ForwardEmbeddings(tape,
                    tape.Concat(SoftPrompt(tape, decoder.Gpt.Backend, rows, n, decoder.Gpt.Config.Width), decoder.Gpt.TokenEmbedding.Forward(tape, ids), axis: 1), caches))],
            T5Model t5 => Seq2Seq(t5, rows, n, prompt, options, stops),
            _ => throw new NotSupportedException($"{model.Architecture}: prompt-tuned generation needs a decoder-only or T5 model"),
        };
    }

    /// <summary>
    /// Generation with a prefix-tuning adapter: the prefix is written into the KV caches first
    /// (<see cref="PrefixTuning.Prefill"/>, transformers' past_key_values), so the prompt and every new token come
    /// after n cached positions, as <see cref="PrefixTuning.Forward"/> sees them; sampling as for a soft prompt. T5's
    /// decoder caches hold the prefix for its self-attention, and its cross-attention reads the prefix ahead of the
    /// encoder's keys and values at every step.
    /// </summary>
    public static int[] GeneratePrefixed(HfModel model, PrefixTuning tuning, IReadOnlyList<int> prompt, GenerationOptions options)
    {
        if (options.MaxNewTokens < 0) throw new ArgumentException($"max new tokens must be >= 0, got {options.MaxNewTokens}");
        if (prompt.Count == 0) throw new ArgumentException("a prompt needs at least one token");
        options.Sampling.Validate();
        var stops = options.StopTokens.Concat(model.EosTokenIds).Distinct().ToArray();
        return model switch
        {
            DecoderModel decoder => [.. prompt, .. Decoder(decoder.Gpt, tuning.Encoder.VirtualTokens, prompt, options, stops, tuning.Prefill,
                (tape, ids, caches) => decoder.Gpt.Forward(tape, ids, caches))],
            T5Model t5 => Seq2SeqPrefixed(t5, tuning, prompt, options, stops),
            _ => throw new NotSupportedException($"{model.Architecture}: prefix-tuned generation needs a decoder-only or T5 model"),
        };
    }

    private static int[] Seq2SeqPrefixed(T5Model model, PrefixTuning tuning, IReadOnlyList<int> prompt, GenerationOptions options, int[] stops)
    {
        var t5 = model.T5;
        var backend = t5.Backend;
        var sequence = new List<int> { StartToken(model) };
        using var encoderTape = new Tape(backend, recordGradients: false);
        using var inputIds = Tensor.From(backend, prompt.ToArray(), 1, prompt.Count);
        var encoded = t5.Encode(encoderTape, inputIds, padding: null);
        if (options.MaxNewTokens == 0) return [.. sequence];
        using var cache = t5.NewDecoderCache(encoded, tuning.Encoder.VirtualTokens + options.MaxNewTokens);
        tuning.Prefill(cache.SelfAttention);
        using var prefix = tuning.Attach(encoderTape, batch: 1, crossAttentionOnly: true);
        Decode(t5, encoded, cache, sequence, options, stops);
        return [.. sequence];
    }

    // T5's decoder steps through its caches, each new token drawn and appended to the sequence.
    private static void Decode(T5 t5, Variable encoded, T5DecoderCache cache, List<int> sequence, GenerationOptions options, int[] stops)
    {
        for (int step = 0; step < options.MaxNewTokens; step++)
        {
            using var ids = Tensor.From(t5.Backend, [sequence[^1]], 1, 1);
            using var tape = new Tape(t5.Backend, recordGradients: false);
            var logits = t5.Decode(tape, ids, encoded, encoderPadding: null, cache).Data;
            int token = Draw(t5.Backend, logits, sequence, options, step);
            sequence.Add(token);
            if (stops.Contains(token)) break;
        }
    }

    private static int StartToken(T5Model model) => model.DecoderStartTokenId ?? model.PadTokenId
        ?? throw new InvalidDataException($"{model.Architecture}: neither decoder_start_token_id nor pad_token_id is set in config.json or generation_config.json");

    // n positions come before the prompt: a soft prompt's (fed by the first step) or a prefix's (prefilled).
    private static List<int> Decoder(Gpt gpt, int n, IReadOnlyList<int> prompt, GenerationOptions options, int[] stops,
        Action<IReadOnlyList<KvCache>>? prefill, Func<Tape, Tensor, IReadOnlyList<KvCache>, Variable> firstStep)
    {
        var backend = gpt.Backend;
        int context = gpt.Config.Context, needed = n + prompt.Count + Math.Max(options.MaxNewTokens - 1, 0);
        if (needed > context)
            throw new ArgumentException(
                $"the adapter's {n} virtual tokens, the prompt's {prompt.Count} tokens and {options.MaxNewTokens} new tokens exceed the model's context of {context} "
                + $"(with this adapter at most {Math.Max(context - n - prompt.Count + 1, 0)} new tokens)");
        var sequence = prompt.ToList();
        var generated = new List<int>();
        var caches = gpt.NewCaches(1, Math.Max(needed, 1));
        try
        {
            if (options.MaxNewTokens > 0) prefill?.Invoke(caches);
            for (int step = 0; step < options.MaxNewTokens; step++)
            {
                using var tape = new Tape(backend, recordGradients: false);
                Variable logits;
                if (step == 0)
                {
                    using var ids = Tensor.From(backend, sequence.ToArray(), 1, sequence.Count);
                    logits = firstStep(tape, ids, caches);
                }
                else
                {
                    using var ids = Tensor.From(backend, [sequence[^1]], 1, 1);
                    logits = gpt.Forward(tape, ids, caches);
                }
                int token = Draw(backend, logits.Data, sequence, options, step);
                sequence.Add(token);
                generated.Add(token);
                if (stops.Contains(token)) break;
            }
        }
        finally
        {
            foreach (var cache in caches) cache.Dispose();
        }
        return generated;
    }

    private static int[] Seq2Seq(T5Model model, float[] rows, int n, IReadOnlyList<int> prompt, GenerationOptions options, int[] stops)
    {
        var t5 = model.T5;
        var backend = t5.Backend;
        var sequence = new List<int> { StartToken(model) };
        using var encoderTape = new Tape(backend, recordGradients: false);
        using var inputIds = Tensor.From(backend, prompt.ToArray(), 1, prompt.Count);
        var x = encoderTape.Concat(SoftPrompt(encoderTape, backend, rows, n, t5.Config.Width), t5.Shared.Forward(encoderTape, inputIds), axis: 1);
        var encoded = t5.Encoder.Encode(encoderTape, x, padding: null);
        if (options.MaxNewTokens == 0) return [.. sequence];
        using var cache = t5.NewDecoderCache(encoded, options.MaxNewTokens);
        Decode(t5, encoded, cache, sequence, options, stops);
        return [.. sequence];
    }

    // The rows as a constant [1, n, C] input.
    private static Variable SoftPrompt(Tape tape, IBackend backend, float[] rows, int n, int width) =>
        tape.Constant(tape.Keep(Tensor.From(backend, rows, 1, n, width)));

    // The next token from logits [1, L, V] at the last position, as the backend's sampler draws it.
    private static int Draw(IBackend backend, Tensor logits, List<int> sequence, GenerationOptions options, int step)
    {
        int length = logits.Shape[1], vocabulary = logits.Shape[2];
        using var last = logits.Reshape(length, vocabulary).Slice(length - 1, 1).Clone();
        using var previous = Tensor.From(backend, sequence.ToArray(), 1, sequence.Count);
        using var next = backend.Sample(last, options.Sampling, previous, options.Seed, step);
        return next.ToArray<int>()[0];
    }
}
