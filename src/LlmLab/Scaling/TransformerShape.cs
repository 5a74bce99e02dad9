namespace LlmLab.Scaling;

/// <summary>
/// The numbers that set a decoder-only transformer's FLOPs in Hoffmann et al. 2022's appendix F: layers, the model
/// width d_model, attention heads and their key size (heads × key size is usually d_model), the feed-forward width,
/// the vocabulary and the training sequence length. Plain numbers, so the counts need no model classes.
/// </summary>
public readonly record struct TransformerShape(int Layers, int DModel, int Heads, int KeySize, int FfwSize, int Vocabulary, int SequenceLength)
{
    internal void Check()
    {
        if (Layers <= 0 || DModel <= 0 || Heads <= 0 || KeySize <= 0 || FfwSize <= 0 || Vocabulary <= 0 || SequenceLength <= 0)
            throw new ArgumentException($"every number of a transformer shape must be positive, got {this}");
    }
}
