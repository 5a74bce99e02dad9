using LlmLab.Backends.Cpu.Kernels;
using LlmLab.Random;
using LlmLab.Tensors;

namespace LlmLab.Backends.Cpu;

/// <summary>
/// Sampling, one row per work item (rows are independent, so the bits never depend on the thread count). The
/// per-row pipeline is <see cref="Warpers"/>; the draw and argmax are <see cref="Sampler"/>.
/// Semantics shared with the ILGPU backend (Hugging Face generate's, docs/references.md):
/// - kept logits are bit-identical to HF's (one float32 division by the temperature, the penalty's one multiply
///   or divide); top-k keeps every tie at the k-th value (k = max(top_k, min_tokens_to_keep)); top-p compares the
///   float32-rounded cumulative mass with float32(1 - p), p read back as its shortest decimal (0.9f is 0.9);
///   where an order among equal values matters (top-p's cut, min_tokens_to_keep), the higher index counts as
///   larger, as in a stable ascending sort.
/// - draw: u = Philox.Uniform(seed, step, row, 0); the first kept index whose cumulative weight exp(x - max), in
///   index order, exceeds u * total.
/// - previous-token ids outside [0, V) are ignored (negative ids are padding).
/// - a row holding NaN or +infinity (after penalty and temperature) has no distribution: ApplyWarpers returns it
///   all NaN and Sample gives -1 (HF's multinomial raises); a row with nothing left (all -infinity) samples -1.
///   Greedy Sample gives -1 for a NaN row; Argmax itself follows torch.argmax (NaN is the largest).
/// - greedy options (temperature 0): Sample applies the repetition penalty then argmax (HF's greedy search runs
///   the logits processors, not the warpers); ApplyWarpers applies only the penalty.
/// </summary>
public sealed partial class CpuBackend
{
    // Rough cost of one row per vocabulary entry, for the parallel split.
    private const double SamplingCostPerEntry = 20;

    public Tensor ApplyWarpers(Tensor logits, SamplingOptions options, Tensor? previousTokens = null)
    {
        Check.Sampling(this, logits, options, previousTokens, "apply-warpers");
        int batch = logits.Shape[0], vocab = logits.Shape[1], length = previousTokens?.Shape[1] ?? 0;
        var y = NewF32(logits.Shape);
        Parallel.For(batch, vocab * SamplingCostPerEntry, (start, end) =>
        {
            var scratch = WarperScratch.For(vocab);
            var x = Span<float>(logits);
            var output = Span<float>(y);
            var previous = previousTokens is null ? default : Span<int>(previousTokens);
            for (int r = (int)start; r < end; r++)
            {
                var row = output.Slice(r * vocab, vocab);
                int count = Warpers.Apply(x.Slice(r * vocab, vocab), previous.Slice(r * length, length), row, options, scratch, out _);
                if (count < 0) row.Fill(float.NaN);
                else Warpers.Mask(row, count, scratch);
            }
        });
        return y;
    }

    public Tensor Sample(Tensor logits, SamplingOptions options, Tensor? previousTokens, ulong seed, long step)
    {
        Check.Sampling(this, logits, options, previousTokens, "sample");
        int batch = logits.Shape[0], vocab = logits.Shape[1], length = previousTokens?.Shape[1] ?? 0;
        var tokens = Tensor.Zeros(this, new Shape(batch), DType.I32);
        Parallel.For(batch, vocab * SamplingCostPerEntry, (start, end) =>
        {
            var scratch = WarperScratch.For(vocab);
            var x = Span<float>(logits);
            var output = Span<int>(tokens);
            var previous = previousTokens is null ? default : Span<int>(previousTokens);
            var row = scratch.Row.AsSpan(0, vocab);
            for (int r = (int)start; r < end; r++)
            {
                var logitsRow = x.Slice(r * vocab, vocab);
                if (options.IsGreedy)
                {
                    // HF's greedy search still runs the logits processors (the repetition penalty), then argmax.
                    var source = logitsRow;
                    if (options.RepetitionPenalty != 1f)
                    {
                        logitsRow.CopyTo(row);
                        RepetitionPenalty.Apply(logitsRow, previous.Slice(r * length, length), options.RepetitionPenalty, 1f, row);
                        source = row;
                    }
                    int best = Sampler.Argmax(source);
                    output[r] = float.IsNaN(source[best]) ? -1 : best;
                    continue;
                }
                int count = Warpers.Apply(logitsRow, previous.Slice(r * length, length), row, options, scratch, out float max);
                float u = Philox.Uniform(seed, (ulong)step, (uint)r, 0);
                output[r] = count < 0 ? -1 : Sampler.Draw(row, scratch.List.AsSpan(0, count), max, u, scratch.Weights);
            }
        });
        return tokens;
    }

    public Tensor Argmax(Tensor logits)
    {
        ArgumentNullException.ThrowIfNull(logits);
        Check.SameBackend(this, logits);
        Check.Logits(logits, "argmax");
        int batch = logits.Shape[0], vocab = logits.Shape[1];
        var tokens = Tensor.Zeros(this, new Shape(batch), DType.I32);
        Parallel.For(batch, vocab, (start, end) =>
        {
            var x = Span<float>(logits);
            var output = Span<int>(tokens);
            for (int r = (int)start; r < end; r++) output[r] = Sampler.Argmax(x.Slice(r * vocab, vocab));
        });
        return tokens;
    }
}
