using LlmLab.Tokenizers;

namespace LlmLab.Prompting;

/// <summary>
/// A model as lm-evaluation-harness's prompting sees it: it encodes text with its tokenizer, scores a continuation
/// after a context (the sum over the continuation's tokens of log p(token | everything before), a log-softmax taken
/// in float64) and continues a context greedily. Inputs longer than <see cref="MaxLength"/> lose tokens from the
/// left of the context, as lm-eval truncates them. <see cref="DecoderLanguageModel"/> serves decoder-only GPTs
/// (LlmLab's own, GPT-2, Llama), <see cref="Seq2SeqLanguageModel"/> T5; <see cref="LanguageModels.Load"/> opens a
/// model folder as one.
/// </summary>
public interface ILanguageModel
{
    /// <summary>What reports call the model (its folder's name, by default).</summary>
    string Name { get; }

    ITokenizer Tokenizer { get; }

    /// <summary>The positions the model takes at once (its context for a decoder, its encoder input for T5).</summary>
    int MaxLength { get; }

    /// <summary>The tokens that end generation.</summary>
    IReadOnlyList<int> EosTokenIds { get; }

    /// <summary>
    /// The tokens of a (context, continuation) pair as lm-eval makes them: white space at the end of the context
    /// moves to the front of the continuation; a decoder encodes context + continuation whole and splits it after
    /// the context's own tokens, T5 encodes the two apart (the context ending with EOS, as its tokenizer adds it).
    /// An empty context becomes the prefix token (BOS, else EOS).
    /// </summary>
    (int[] Context, int[] Continuation) EncodePair(string context, string continuation);

    /// <summary>The tokens a generation starts from (an empty context: the prefix token).</summary>
    int[] EncodeContext(string context);

    /// <summary>
    /// The log-likelihood of each request's continuation given its context; requests may be scored in batches, each
    /// as if alone. A continuation needs at least one token and at most <see cref="MaxLength"/>.
    /// </summary>
    IReadOnlyList<ContinuationScore> LogLikelihoods(IReadOnlyList<(int[] Context, int[] Continuation)> requests);

    /// <summary>
    /// Greedy decoding (the most likely token each step, the first on ties) of up to
    /// <paramref name="maxNewTokens"/> tokens: it stops after an EOS token (kept) or once <paramref name="stop"/>,
    /// given the new tokens so far, says so. A decoder keeps the last MaxLength - maxNewTokens context tokens.
    /// </summary>
    GreedyGeneration GenerateGreedy(int[] context, int maxNewTokens, Func<IReadOnlyList<int>, bool>? stop = null);
}

/// <summary>
/// A continuation's score: the sum of its tokens' log-probabilities, whether every token was the most likely one
/// (lm-eval's is_greedy), how many tokens it has, and how many context tokens were cut from the left to fit.
/// </summary>
public readonly record struct ContinuationScore(double LogLikelihood, bool IsGreedy, int Tokens, int TruncatedContextTokens);

/// <summary>The new tokens of a greedy generation, and how many context tokens were cut from the left to fit.</summary>
public sealed record GreedyGeneration(int[] Tokens, int TruncatedContextTokens);

public static class LanguageModelExtensions
{
    /// <summary>One request's score (<see cref="ILanguageModel.LogLikelihoods"/> of one).</summary>
    public static ContinuationScore LogLikelihood(this ILanguageModel model, int[] context, int[] continuation) =>
        model.LogLikelihoods([(context, continuation)])[0];
}
