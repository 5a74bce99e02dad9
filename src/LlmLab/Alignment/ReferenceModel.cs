using LlmLab.Autograd;
using LlmLab.Models;
using LlmLab.Peft;
using LlmLab.Tensors;

namespace LlmLab.Alignment;

/// <summary>
/// The frozen model alignment measures a policy's drift against (PPO's KL penalty, DPO's log-ratios): a copy of the
/// starting model, or, for a LoRA policy, the policy itself with its adapters off (peft's disable_adapter), so that
/// no second copy of the weights is kept. Read on tapes without gradients.
/// </summary>
public sealed class ReferenceModel
{
    private readonly Func<Tape, Tensor, Variable> _logits;

    private ReferenceModel(Func<Tape, Tensor, Variable> logits) => _logits = logits;

    /// <summary>A separate model, left as it is.</summary>
    public static ReferenceModel Frozen(Gpt model) => new((tape, ids) => model.Forward(tape, ids));

    /// <summary>A LoRA policy's own base: its adapters switched off for each forward.</summary>
    public static ReferenceModel AdapterOff(Gpt policy)
    {
        if (Lora.Adapted(policy).Count == 0) throw new ArgumentException("the reference with its adapters off needs a policy with LoRA adapters");
        return new((tape, ids) =>
        {
            using (Lora.Disable(policy))
                return policy.Forward(tape, ids);
        });
    }

    /// <summary>Logits [B, T, V] for ids [B, T].</summary>
    public Variable Logits(Tape tape, Tensor ids) => _logits(tape, ids);
}
