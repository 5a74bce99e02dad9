using LlmLab.Autograd;
using LlmLab.Models;
using LlmLab.Nn;
using LlmLab.Random;

namespace LlmLab.Alignment;

/// <summary>
/// A policy with a value head, trl's AutoModelForCausalLMWithValueHead: the GPT ("pretrained_model") and a linear
/// "v_head.summary" [1, C] with bias over its final hidden states, estimating each state's return.
/// </summary>
public sealed class PolicyWithValueHead : Module
{
    public PolicyWithValueHead(Gpt policy, ulong seed)
    {
        Policy = Child("pretrained_model", policy);
        ValueHead = Child("v_head", new ValueHeadModule(policy, seed));
    }

    public Gpt Policy { get; }
    public ValueHeadModule ValueHead { get; }

    /// <summary>The head's one layer under trl's name.</summary>
    public sealed class ValueHeadModule : Module
    {
        internal ValueHeadModule(Gpt policy, ulong seed) =>
            Summary = Child("summary", new Linear(policy.Backend, policy.Config.Width, 1, bias: true, new RandomStream(seed, "ppo.v_head"), std: 0.02f));

        public Linear Summary { get; }

        /// <summary>Values [n, 1] of hidden states [n, C].</summary>
        public Variable Forward(Tape tape, Variable hidden) => Summary.Forward(tape, hidden);
    }
}
