using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Tensors;

namespace LlmLab.Prompting;

/// <summary>
/// Learned past keys and values in front of a decoder's input (prefix tuning), as <see cref="DecoderLanguageModel"/>
/// uses them: <paramref name="Positions"/> of the context they take, <paramref name="Forward"/> the logits [B, T, V]
/// of ids [B, T] after the prefix, and <paramref name="Prefill"/> writing the prefix into empty KV caches (one per
/// layer, batch 1), so cached generation goes on from position n as transformers does after past_key_values.
/// </summary>
public sealed record DecoderPrefix(int Positions, Func<Tape, Tensor, Variable> Forward, Action<IReadOnlyList<KvCache>> Prefill);
