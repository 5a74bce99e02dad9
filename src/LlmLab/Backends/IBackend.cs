using LlmLab.Tensors;

namespace LlmLab.Backends;

/// <summary>
/// A place where tensors live and ops run: <c>cpu</c> (managed SIMD), <c>cuda</c>/<c>opencl</c> (ILGPU on a GPU)
/// or <c>ilgpu-cpu</c> (the same ILGPU kernels on ILGPU's CPU simulator). Every op takes tensors of this backend,
/// checks shapes and dtypes (one clear <see cref="ArgumentException"/> naming both shapes), and returns a new tensor.
/// Layouts follow PyTorch: row-major, linear weights stored [out, in], attention tensors [batch, heads, time, dim].
/// </summary>
public interface IBackend : IDisposable
{
    /// <summary>The name it is chosen by: cpu, cuda, opencl, ilgpu-cpu.</summary>
    string Name { get; }

    // ---- memory ---------------------------------------------------------------------------------------------

    /// <summary>Zeroed device memory.</summary>
    TensorStorage Allocate(long byteLength);
    /// <summary>The bytes of tensor storage held now and at peak (<see cref="MemoryMeter"/>).</summary>
    MemoryMeter TensorMemory { get; }
    void Write(TensorStorage destination, long byteOffset, ReadOnlySpan<byte> source);
    void Read(TensorStorage source, long byteOffset, Span<byte> destination);
    void Copy(TensorStorage source, long sourceOffset, TensorStorage destination, long destinationOffset, long byteLength);
    /// <summary>Waits until every launched kernel has finished (needed before reading a clock).</summary>
    void Synchronize();
    /// <summary>
    /// Frees the memory kept for reuse (freed tensors' memory, pooled by size for the next step), as
    /// torch.cuda.empty_cache does: the loaders call it, so a loaded model's process holds its live tensors only.
    /// </summary>
    void ReleaseCachedMemory();

    // ---- linear algebra -------------------------------------------------------------------------------------

    /// <summary>
    /// C = op(A) op(B) + bias. A is [..., M, K] ([..., K, M] when <paramref name="transposeA"/>); B is [..., K, N]
    /// ([..., N, K] when <paramref name="transposeB"/>, the layout of a linear layer's weight) with the same batch
    /// dimensions as A or none (shared by every batch). Bias is [N]. Result [..., M, N].
    /// </summary>
    Tensor MatMul(Tensor a, Tensor b, bool transposeA = false, bool transposeB = false, Tensor? bias = null);

    // ---- elementwise ----------------------------------------------------------------------------------------

    /// <summary>a + b; b has a's shape or a's trailing dimensions (broadcast over the leading ones).</summary>
    Tensor Add(Tensor a, Tensor b);
    /// <summary>a * b elementwise, broadcasting as <see cref="Add"/>.</summary>
    Tensor Mul(Tensor a, Tensor b);
    Tensor Scale(Tensor x, float factor);
    /// <summary>GELU, tanh form: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).</summary>
    Tensor Gelu(Tensor x);
    /// <summary>
    /// GELU, exact (erf) form: x Φ(x) = 0.5 x (1 + erf(x / sqrt 2)), PyTorch's default and BERT's "gelu". erf is a
    /// managed approximation within 1e-7.
    /// </summary>
    Tensor GeluErf(Tensor x);
    /// <summary>SiLU: x * sigmoid(x).</summary>
    Tensor Silu(Tensor x);
    Tensor Relu(Tensor x);

    /// <summary>
    /// A contiguous copy of x with two axes swapped, e.g. [B, T, H, D] to [B, H, T, D] for attention heads. Its
    /// gradient is the same swap.
    /// </summary>
    Tensor Transpose(Tensor x, int axis0, int axis1);

    // ---- row-wise -------------------------------------------------------------------------------------------

    /// <summary>
    /// Softmax over the last axis. <paramref name="mask"/> (i32, x's shape or its trailing dimensions) keeps
    /// entries where it is non-zero; masked entries get 0, and a fully masked row is all zeros.
    /// </summary>
    Tensor Softmax(Tensor x, Tensor? mask = null);
    /// <summary>Log-softmax over the last axis; masked entries get -infinity (a fully masked row: all -infinity).</summary>
    Tensor LogSoftmax(Tensor x, Tensor? mask = null);
    /// <summary>(x - mean) / sqrt(var + eps) * weight + bias over the last axis (biased variance, as PyTorch).</summary>
    Tensor LayerNorm(Tensor x, Tensor weight, Tensor? bias, float epsilon = 1e-5f);
    /// <summary>x / sqrt(mean(x^2) + eps) * weight over the last axis (Llama, T5).</summary>
    Tensor RmsNorm(Tensor x, Tensor weight, float epsilon = 1e-6f);
    /// <summary>Rows of <paramref name="table"/> [vocab, dim] picked by <paramref name="ids"/> (i32 or i64, any shape): [..ids, dim].</summary>
    Tensor Embedding(Tensor table, Tensor ids);
    /// <summary>
    /// Rotary position embedding on x [batch, heads, time, dim] in Hugging Face Llama's "rotate half" layout
    /// (dimension i pairs with i + dim/2), frequency theta^(-2i/dim). <paramref name="positions"/> (i32) is [time]
    /// or [batch, time].
    /// </summary>
    Tensor Rope(Tensor x, Tensor positions, float theta = 10000f);
    /// <summary>
    /// Per-row cross-entropy of logits [N, V] against targets [N] (i32 or i64); rows whose target is
    /// <paramref name="ignoreIndex"/> give 0. Result [N]; the mean over counted rows is the usual loss.
    /// </summary>
    Tensor CrossEntropy(Tensor logits, Tensor targets, int ignoreIndex = -100);

    // ---- attention ------------------------------------------------------------------------------------------

    /// <summary>
    /// softmax(q k^T * scale + bias + masks) v, fused with an online softmax (no [Tq, Tk] matrix is kept).
    /// q [B, Hq, Tq, D]; k, v [B, Hkv, Tk, D] with Hq a multiple of Hkv (grouped-query attention). With a
    /// <see cref="AttentionOptions.Cache"/>, k and v are appended to it first and q attends to everything cached.
    /// Query i sits at absolute position (keys - Tq + i). A query that can see no key gives zeros.
    /// </summary>
    Tensor Attention(Tensor query, Tensor key, Tensor value, AttentionOptions? options = null);

    // ---- LoRA -----------------------------------------------------------------------------------------------

    /// <summary>
    /// W x + bias + scale * B (A x) for x [..., in], W [out, in], A [r, in], B [out, r] (PEFT's lora_A/lora_B
    /// layouts), fused so the low-rank path never makes a second pass over the output.
    /// </summary>
    Tensor LoraLinear(Tensor x, Tensor weight, Tensor? bias, Tensor loraA, Tensor loraB, float scale);
    /// <summary>In place: W += scale * B A. Unmerging is merging with -scale.</summary>
    void LoraMerge(Tensor weight, Tensor loraA, Tensor loraB, float scale);

    // ---- quantisation ---------------------------------------------------------------------------------------

    /// <summary>int8 quantisation of a 2-D (or flattened to 2-D) f32 tensor with the given scheme.</summary>
    Int8Tensor QuantizeInt8(Tensor x, Int8Scheme scheme);
    /// <summary>Back to f32: q / scale, or (q - zeroPoint) / scale (see <see cref="Int8Tensor"/>).</summary>
    Tensor Dequantize(Int8Tensor q);
    /// <summary>ggml Q8_0 or Q4_0 blocks of an f32 tensor whose last dimension is a multiple of 32, bit-exact with ggml.</summary>
    Tensor QuantizeBlocks(Tensor x, DType format);
    /// <summary>An f32 tensor from Q8_0 or Q4_0 blocks.</summary>
    Tensor DequantizeBlocks(Tensor q);
    /// <summary>
    /// Rows of a quantised table [vocab, dim] (int8 with absmax scales, or Q8_0/Q4_0) picked by <paramref name="ids"/>
    /// (i32 or i64, any shape), dequantised: [..ids, dim], bit for bit those rows of <see cref="Dequantize"/> or
    /// <see cref="DequantizeBlocks"/> of the whole table. A quantised embedding's lookup reads only its rows.
    /// </summary>
    Tensor EmbeddingQuantized(QuantizedWeight table, Tensor ids);
    /// <summary>x [..., K] times a quantised weight [N, K] transposed (a linear layer), dequantising on the fly: [..., N].
    /// The weight is an <see cref="Int8Tensor"/> with absmax scales, or a Q8_0/Q4_0 tensor.</summary>
    Tensor MatMulQuantized(Tensor x, QuantizedWeight weight, Tensor? bias = null);
    /// <summary>
    /// x [..., K] times a Q8_0/Q4_0 weight [N, K] transposed as ggml computes it: each row of x is quantised to Q8_0
    /// per block of 32 (the bits of <see cref="QuantizeBlocks"/>), each block's integer dot product with the weight's
    /// quants is exact, and the blocks combine in one fixed float order (docs/kernels.md), so the cpu backend gives
    /// the same bits at every vector width and thread count (ILGPU, without fma, within tolerance). For inference:
    /// x's rounding has no gradient.
    /// </summary>
    Tensor MatMulIntegerDot(Tensor x, Tensor weight, Tensor? bias = null);
    /// <summary>
    /// The most rows of x for which an inference product with a Q8_0/Q4_0 weight takes <see cref="MatMulIntegerDot"/>
    /// (the tape asks; more rows take <see cref="MatMulQuantized"/>): cpu, any number (prefill runs on integer-dot
    /// tiles, so a prompt's rows get the bits they would get decoded one by one); ILGPU, a decode step's few rows
    /// (its prefill stays on the f32 tile kernels).
    /// </summary>
    int IntegerDotRows { get; }
    /// <summary>
    /// QLoRA's layer: x Wᵀ + bias + scale (x Aᵀ) Bᵀ with W quantised and dequantised on the fly (as
    /// <see cref="MatMulQuantized"/>) and the adapter A [r, in], B [out, r] in f32.
    /// </summary>
    Tensor LoraLinearQuantized(Tensor x, QuantizedWeight weight, Tensor? bias, Tensor loraA, Tensor loraB, float scale);

    // ---- inference layout -----------------------------------------------------------------------------------

    /// <summary>
    /// A linear weight [out, in] (f32) stored the way this backend's inference products read it fastest: the cpu
    /// backend interleaves 16 rows over k (docs/kernels.md), ILGPU keeps a copy as it is. The weight is not changed.
    /// </summary>
    InterleavedWeight Interleave(Tensor weight);
    /// <summary>The f32 weight [out, in] an interleaved one stands for, bit for bit.</summary>
    Tensor Deinterleave(InterleavedWeight weight);
    /// <summary>x [..., in] times the interleaved weight transposed, + bias: <c>MatMul(x, weight, transposeB: true, bias)</c>'s bits.</summary>
    Tensor MatMulInterleaved(Tensor x, InterleavedWeight weight, Tensor? bias = null);
    /// <summary>Rows of an interleaved table [vocab, dim] picked by <paramref name="ids"/>: <see cref="Embedding"/>'s values.</summary>
    Tensor EmbeddingInterleaved(InterleavedWeight table, Tensor ids);

    // ---- sampling -------------------------------------------------------------------------------------------

    /// <summary>
    /// Hugging Face's logits warpers, in its order: repetition penalty (over <paramref name="previousTokens"/>,
    /// i32 [B, L], negative ids ignored), temperature, top-k, top-p, min-p. Removed entries become -infinity.
    /// </summary>
    Tensor ApplyWarpers(Tensor logits, SamplingOptions options, Tensor? previousTokens = null);
    /// <summary>
    /// One token per row of logits [B, V] (i32 [B]): greedy (argmax, first index wins ties) when
    /// <see cref="SamplingOptions.IsGreedy"/>, otherwise the warpers then a draw from the softmax of what is left,
    /// with a counter-based RNG keyed by (seed, step, row) so each row's draw is independent of the others.
    /// </summary>
    Tensor Sample(Tensor logits, SamplingOptions options, Tensor? previousTokens, ulong seed, long step);
    /// <summary>Index of the largest value of each row of [B, V] (first wins ties): i32 [B].</summary>
    Tensor Argmax(Tensor logits);

    // ---- backward passes and training (reverse-mode autograd builds on these) -----------------------------

    /// <summary>dL/dx of GELU (tanh form) at x, given dL/dy.</summary>
    Tensor GeluBackward(Tensor x, Tensor gradOutput);
    /// <summary>dL/dx of the exact GELU at x, given dL/dy: (Φ(x) + x φ(x)) dy, φ the standard normal density.</summary>
    Tensor GeluErfBackward(Tensor x, Tensor gradOutput);
    /// <summary>dL/dx of SiLU at x, given dL/dy.</summary>
    Tensor SiluBackward(Tensor x, Tensor gradOutput);
    /// <summary>dL/dx of ReLU at x, given dL/dy (0 where x &lt;= 0).</summary>
    Tensor ReluBackward(Tensor x, Tensor gradOutput);
    /// <summary>
    /// Sum over every leading axis in a fixed order: [..., N] to [N]. The gradient of a bias, or of any operand that
    /// <see cref="Add"/> broadcast.
    /// </summary>
    Tensor SumLeading(Tensor x);
    /// <summary>Softmax backward from the forward output y: dx = y (dy - sum(dy y)) per row over the last axis.</summary>
    Tensor SoftmaxBackward(Tensor output, Tensor gradOutput);
    /// <summary>Log-softmax backward from the forward output: dx = dy - exp(output) sum(dy) per row.</summary>
    Tensor LogSoftmaxBackward(Tensor output, Tensor gradOutput);
    /// <summary>LayerNorm backward: gradients of the input [.., N], the weight [N] and the bias [N].</summary>
    NormGradients LayerNormBackward(Tensor x, Tensor weight, Tensor gradOutput, float epsilon = 1e-5f);
    /// <summary>RmsNorm backward: gradients of the input and the weight (Bias is null).</summary>
    NormGradients RmsNormBackward(Tensor x, Tensor weight, Tensor gradOutput, float epsilon = 1e-6f);
    /// <summary>
    /// Embedding backward: a [vocabularySize, dim] gradient where row v sums the gradOutput rows whose id is v,
    /// in position order (deterministic; no atomics).
    /// </summary>
    Tensor EmbeddingBackward(Tensor ids, Tensor gradOutput, int vocabularySize);
    /// <summary>Rotary embedding backward: the transpose of the rotation, i.e. rotation by minus the angle.</summary>
    Tensor RopeBackward(Tensor gradOutput, Tensor positions, float theta = 10000f);
    /// <summary>
    /// Cross-entropy backward: dlogits[n] = (softmax(logits[n]) - onehot(target[n])) * gradLoss[n]; rows whose target
    /// is <paramref name="ignoreIndex"/> get 0. gradLoss (f32 [N]) is the upstream gradient of each row's loss (1/count
    /// for the mean over counted rows).
    /// </summary>
    Tensor CrossEntropyBackward(Tensor logits, Tensor targets, Tensor gradLoss, int ignoreIndex = -100);
    /// <summary>
    /// Attention backward by recomputation (flash-attention style: no [Tq, Tk] matrix kept): gradients of q, k and v
    /// given the forward inputs, its output and dL/doutput, for the same options (a KV cache is not allowed here).
    /// With grouped-query heads, a kv head's gradient sums over the query heads that share it.
    /// </summary>
    AttentionGradients AttentionBackward(Tensor query, Tensor key, Tensor value, Tensor output, Tensor gradOutput, AttentionOptions? options = null);
    /// <summary>In place: destination += scale * source (gradient accumulation); same shapes.</summary>
    void AddInPlace(Tensor destination, Tensor source, float scale = 1f);
    /// <summary>Sum of x squared over all elements, in a fixed order: f32 [1] (global gradient norms).</summary>
    Tensor SumOfSquares(Tensor x);
    /// <summary>
    /// One AdamW step in place on parameter, first and second moments (PyTorch's torch.optim.AdamW: decoupled weight
    /// decay p -= lr * wd * p, then Adam with bias correction). The gradient is multiplied by step.GradientScale first
    /// (global-norm clipping).
    /// </summary>
    void AdamW(Tensor parameter, Tensor gradient, Tensor firstMoment, Tensor secondMoment, AdamWStep step);
}
