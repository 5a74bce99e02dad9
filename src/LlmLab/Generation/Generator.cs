using LlmLab.Autograd;
using LlmLab.Models;
using LlmLab.Tensors;

namespace LlmLab.Generation;

/// <summary>
/// Autoregressive generation from a <see cref="Gpt"/>: prompts of the same length run as one batch, each step feeds
/// only the newest token through the KV caches, and every new token is reported as it comes (for streaming).
/// A row's draws depend only on (seed, step, row within its batch, its logits). Past the model's context the window
/// slides as nanoGPT's does (the last Context tokens are fed again each step, with no cache: the cached keys were
/// computed at positions that no longer exist).
/// </summary>
public static class Generator
{
    /// <summary>The new tokens of each prompt, in prompt order. <paramref name="onToken"/> gets (prompt index, token).</summary>
    public static IReadOnlyList<int[]> Generate(Gpt model, IReadOnlyList<int[]> prompts, GenerationOptions options,
        Action<int, int>? onToken = null)
    {
        if (options.MaxNewTokens < 0) throw new ArgumentException($"max new tokens must be >= 0, got {options.MaxNewTokens}");
        options.Sampling.Validate();
        var results = new int[prompts.Count][];
        foreach (var group in Enumerable.Range(0, prompts.Count).GroupBy(i => prompts[i].Length))
        {
            var indices = group.ToArray();
            var generated = GenerateBatch(model, indices.Select(i => prompts[i]).ToArray(), options,
                (row, token) => onToken?.Invoke(indices[row], token));
            for (int r = 0; r < indices.Length; r++) results[indices[r]] = generated[r];
        }
        return results;
    }

    private static int[][] GenerateBatch(Gpt model, int[][] prompts, GenerationOptions options, Action<int, int> onToken)
    {
        var backend = model.Backend;
        int batch = prompts.Length, promptLength = prompts[0].Length;
        if (promptLength == 0) throw new ArgumentException("a prompt needs at least one token");
        int context = model.Config.Context;
        if (promptLength > context) throw new ArgumentException($"a prompt of {promptLength} tokens exceeds the model's context of {context}");
        int total = promptLength + options.MaxNewTokens;
        var sequences = prompts.Select(p => p.ToList()).ToArray();
        var outputs = Enumerable.Range(0, batch).Select(_ => new List<int>()).ToArray();
        var finished = new bool[batch];
        var caches = options.UseKvCache ? model.NewCaches(batch, Math.Min(total, context)) : null;
        try
        {
            for (int step = 0; promptLength + step < total && !finished.All(f => f); step++)
            {
                // With a cache the first step feeds the prompts, later steps only the newest token; once the context
                // is full, every step feeds the last Context tokens afresh.
                int count = sequences[0].Count;
                bool sliding = count > context;
                int start = sliding ? count - context : caches is null || step == 0 ? 0 : count - 1;
                int length = count - start;
                var input = sequences.SelectMany(s => s.Skip(start)).ToArray();
                using var ids = Tensor.From(backend, input, batch, length);
                using var tape = new Tape(backend, recordGradients: false);
                var logits = model.Forward(tape, ids, sliding ? null : caches).Data;   // [B, length, V]
                using var last = LastPosition(logits, batch, length);
                using var previous = Tensor.From(backend, sequences.SelectMany(s => s).ToArray(), batch, sequences[0].Count);
                using var next = backend.Sample(last, options.Sampling, previous, options.Seed, step);
                var tokens = next.ToArray<int>();
                for (int r = 0; r < batch; r++)
                {
                    // A finished row keeps feeding its stop token so the batch stays rectangular; nothing is reported.
                    int token = finished[r] ? sequences[r][^1] : tokens[r];
                    sequences[r].Add(token);
                    if (finished[r]) continue;
                    outputs[r].Add(token);
                    onToken(r, token);
                    if (options.StopTokens.Contains(token)) finished[r] = true;
                }
            }
        }
        finally
        {
            if (caches is not null)
                foreach (var c in caches) c.Dispose();
        }
        return outputs.Select(o => o.ToArray()).ToArray();
    }

    // logits [B, T, V] to [B, V] at t = T - 1 (a view when T = 1, else a copy of each row's last position).
    private static Tensor LastPosition(Tensor logits, int batch, int length)
    {
        int vocab = logits.Shape[-1];
        if (length == 1) return logits.Reshape(batch, vocab).Clone();
        var rows = Tensor.Zeros(logits.Backend, new Shape(batch, vocab));
        long rowBytes = vocab * 4L;
        for (int b = 0; b < batch; b++)
            logits.Backend.Copy(logits.Storage, logits.ByteOffset + ((long)b * length + length - 1) * rowBytes, rows.Storage, b * rowBytes, rowBytes);
        return rows;
    }
}
