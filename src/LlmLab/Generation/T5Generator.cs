using LlmLab.Autograd;
using LlmLab.Models;
using LlmLab.Tensors;

namespace LlmLab.Generation;

/// <summary>
/// Generation from a <see cref="T5"/> as transformers' generate does it for encoder-decoder models: the encoder runs
/// once over the input, the decoder starts from the decoder start token and adds one token a step, chosen by the
/// backend's sampler (greedy, or the warpers then a draw keyed by (seed, step)); the repetition penalty looks at the
/// decoder's tokens so far. With <see cref="GenerationOptions.UseKvCache"/> each step feeds only the newest token
/// through the decoder's caches (cross-attention keys and values computed once); without it the whole decoder
/// sequence is fed again each step. Both give the same tokens.
/// </summary>
public static class T5Generator
{
    /// <summary>
    /// The decoder sequence: <paramref name="startToken"/> followed by up to MaxNewTokens tokens, ending after the
    /// first of <paramref name="stopTokens"/> (kept). <paramref name="onToken"/> gets each new token as it comes.
    /// </summary>
    public static int[] Generate(T5 model, IReadOnlyList<int> input, GenerationOptions options, int startToken,
        IReadOnlyList<int> stopTokens, Action<int>? onToken = null)
    {
        if (options.MaxNewTokens < 0) throw new ArgumentException($"max new tokens must be >= 0, got {options.MaxNewTokens}");
        if (input.Count == 0) throw new ArgumentException("T5 generation needs at least one input token");
        options.Sampling.Validate();
        var backend = model.Backend;
        var sequence = new List<int> { startToken };
        using var encoderTape = new Tape(backend, recordGradients: false);
        using var ids = Tensor.From(backend, input.ToArray(), 1, input.Count);
        var encoded = model.Encode(encoderTape, ids, padding: null);
        using var cache = options.UseKvCache && options.MaxNewTokens > 0 ? model.NewDecoderCache(encoded, options.MaxNewTokens) : null;
        for (int step = 0; step < options.MaxNewTokens; step++)
        {
            int start = cache is null ? 0 : sequence.Count - 1;
            using var decoderIds = Tensor.From(backend, sequence.Skip(start).ToArray(), 1, sequence.Count - start);
            using var tape = new Tape(backend, recordGradients: false);
            var logits = model.Decode(tape, decoderIds, encoded, encoderPadding: null, cache).Data;   // [1, L, V]
            int length = logits.Shape[1], vocabulary = logits.Shape[2];
            using var last = logits.Reshape(length, vocabulary).Slice(length - 1, 1).Clone();
            using var previous = Tensor.From(backend, sequence.ToArray(), 1, sequence.Count);
            using var next = backend.Sample(last, options.Sampling, previous, options.Seed, step);
            int token = next.ToArray<int>()[0];
            sequence.Add(token);
            onToken?.Invoke(token);
            if (stopTokens.Contains(token)) break;
        }
        return sequence.ToArray();
    }
}
