using LlmLab.Nn;

namespace LlmLab.Models.HuggingFace;

/// <summary>
/// Where a Hugging Face linear module's output rows live in LlmLab: rows [OutputOffset, OutputOffset + Layer's
/// OutFeatures) of the Hugging Face layer are <see cref="Layer"/>. One slice covers a whole module; GPT-2's fused
/// c_attn is three slices (q_proj, k_proj, v_proj). <see cref="FanInFanOut"/>: the Hugging Face weight is stored
/// [in, out] (GPT-2's Conv1D).
/// </summary>
public sealed record LinearSlice(Linear Layer, int OutputOffset, bool FanInFanOut = false);
