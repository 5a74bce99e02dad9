using LlmLab.Tensors;

namespace LlmLab.Models.HuggingFace;

/// <summary>
/// What a Hugging Face model's forward takes: token ids [batch, time] (i32 or i64), and where the model uses them an
/// attention mask of the same shape (non-zero = attend, 0 = padding) and the decoder's ids [batch, decoderTime].
/// </summary>
public sealed record ModelInputs(Tensor InputIds, Tensor? AttentionMask = null, Tensor? DecoderInputIds = null);
