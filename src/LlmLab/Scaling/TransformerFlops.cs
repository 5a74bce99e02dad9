namespace LlmLab.Scaling;

/// <summary>
/// Training compute of a decoder-only transformer: the 6ND rule that scaling laws use, and the exact count of
/// Hoffmann et al. 2022, appendix F (Table 4 there), to see how far the rule is off for a given shape.
/// </summary>
public static class TransformerFlops
{
    /// <summary>
    /// C ≈ 6ND for <paramref name="n"/> parameters and <paramref name="d"/> tokens: 2 FLOPs per parameter and token
    /// for the forward pass (a multiply and an add) and 4 for the backward pass. It leaves out attention over the
    /// context and counts the embeddings as if they were matrix products.
    /// </summary>
    public static double Approximate(double n, double d) => 6 * n * d;

    /// <summary>
    /// The forward FLOPs of one training sequence of <see cref="TransformerShape.SequenceLength"/> T tokens, with
    /// H = heads × key size: embeddings 2·T·V·d_model, then per layer the Q, K, V projections 2·3·T·d_model·H, the
    /// attention logits 2·T·T·H, the softmax 3·heads·T·T, the softmax-weighted values 2·T·T·H, the output projection
    /// 2·T·H·d_model and the dense block 2·T·(2·d_model·ffw), and at the end the logits 2·T·d_model·V.
    /// <paramref name="includeEmbeddings"/> false drops the embedding term (a lookup, not a matrix product, in
    /// practice); the logits stay in either way. Exact in 64-bit integers; overflow throws.
    /// </summary>
    public static long Forward(TransformerShape shape, bool includeEmbeddings = true)
    {
        shape.Check();
        checked
        {
            long t = shape.SequenceLength, v = shape.Vocabulary, d = shape.DModel, heads = shape.Heads;
            long h = heads * shape.KeySize, ffw = shape.FfwSize;
            long attention = 2 * 3 * t * d * h + 2 * t * t * h + 3 * heads * t * t + 2 * t * t * h + 2 * t * h * d;
            long dense = 2 * t * (2 * d * ffw);
            long embeddings = includeEmbeddings ? 2 * t * v * d : 0;
            return embeddings + shape.Layers * (attention + dense) + 2 * t * d * v;
        }
    }

    /// <summary>The backward pass of one sequence: twice the forward pass, as appendix F assumes.</summary>
    public static long Backward(TransformerShape shape, bool includeEmbeddings = true) => checked(2 * Forward(shape, includeEmbeddings));

    /// <summary>Forward and backward for one training sequence: three times the forward pass. Multiply by the
    /// number of sequences for a run's compute.</summary>
    public static long Training(TransformerShape shape, bool includeEmbeddings = true) => checked(3 * Forward(shape, includeEmbeddings));
}
