using LlmLab.Tensors;

namespace LlmLab.Training;

/// <summary>One parameter under AdamW: its tensor, its moments (torch's exp_avg, exp_avg_sq) and whether it decays.</summary>
public sealed record AdamWParameter(string Name, Tensor Parameter, Tensor FirstMoment, Tensor SecondMoment, bool Decays);
