using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Nn;
using LlmLab.Random;
using LlmLab.Tensors;

namespace LlmLab.Models;

/// <summary>
/// A decoder-only GPT (nanoGPT's model.py in LlmLab's modules): token (+ learned position) embeddings, pre-norm
/// blocks, a final norm and a language-model head tied to the token embedding or not. GPT-2 initialisation:
/// N(0, 0.02), residual projections N(0, 0.02 / sqrt(2 layers)), biases 0, norms 1; every module draws from its own
/// named random stream, so the seed fixes every weight.
/// </summary>
public sealed class Gpt : Module
{
    private readonly IBackend _backend;

    public Gpt(IBackend backend, GptConfig config, ulong seed)
    {
        _backend = backend;
        Config = config.Validate();
        TokenEmbedding = Child("wte", new Embedding(backend, config.VocabularySize, config.Width, new RandomStream(seed, "init.wte")));
        if (config.Positions == PositionKind.Learned)
            PositionEmbedding = Child("wpe", new Embedding(backend, config.Context, config.Width, new RandomStream(seed, "init.wpe")));
        Blocks = Enumerable.Range(0, config.Layers)
            .Select(i => Child($"h.{i}", new TransformerBlock(backend, config.BlockOptions(), new RandomStream(seed, $"init.h.{i}"))))
            .ToArray();
        FinalNorm = Child("ln_f", new Norm(backend, config.Width, config.Norm, config.Bias, config.NormEpsilon));
        if (!config.TiedEmbeddings)
            Head = Child("lm_head", new Linear(backend, config.Width, config.VocabularySize, bias: false, new RandomStream(seed, "init.lm_head")));
    }

    public GptConfig Config { get; }
    public IBackend Backend => _backend;
    public Embedding TokenEmbedding { get; }
    public Embedding? PositionEmbedding { get; }
    public IReadOnlyList<TransformerBlock> Blocks { get; }
    public Norm FinalNorm { get; }
    public Linear? Head { get; }

    /// <summary>
    /// Logits [B, T, V] for token ids (i32 [B, T]). With <paramref name="caches"/> (one per layer, inference tapes
    /// only) the ids are the next positions after what the caches hold.
    /// </summary>
    public Variable Forward(Tape tape, Tensor ids, IReadOnlyList<KvCache>? caches = null)
    {
        if (ids.Rank != 2) throw new ArgumentException($"GPT input ids must be [batch, time], got shape {ids.Shape}");
        CheckContext(ids.Shape[1], caches);
        return ForwardEmbeddings(tape, TokenEmbedding.Forward(tape, ids), caches);
    }

    /// <summary>
    /// Logits [B, T, V] from input embeddings [B, T, C] in place of the token embedding's rows (transformers'
    /// inputs_embeds): soft prompts enter here. Positions are added as for ids. <paramref name="pastLength"/>
    /// positions come first that no cache holds (prefix tuning's virtual tokens, which transformers counts as past).
    /// </summary>
    public Variable ForwardEmbeddings(Tape tape, Variable embeddings, IReadOnlyList<KvCache>? caches = null, int pastLength = 0)
    {
        return Logits(tape, HiddenStates(tape, embeddings, caches, pastLength));
    }

    /// <summary>The LM head over final-normed hidden states [B, T, C] (<see cref="Hidden"/>): logits [B, T, V].</summary>
    public Variable Logits(Tape tape, Variable hidden) =>
        Head is not null ? Head.Forward(tape, hidden) : TokenEmbedding.Project(tape, hidden);

    /// <summary>
    /// The final-normed hidden states [B, T, C] for token ids (i32 [B, T]), what the LM head reads: a reward model's
    /// or a value head's input.
    /// </summary>
    public Variable Hidden(Tape tape, Tensor ids)
    {
        if (ids.Rank != 2) throw new ArgumentException($"GPT input ids must be [batch, time], got shape {ids.Shape}");
        CheckContext(ids.Shape[1], null);
        return HiddenStates(tape, TokenEmbedding.Forward(tape, ids), null, 0);
    }

    private Variable HiddenStates(Tape tape, Variable embeddings, IReadOnlyList<KvCache>? caches, int pastLength)
    {
        if (embeddings.Shape.Rank != 3 || embeddings.Shape[2] != Config.Width)
            throw new ArgumentException($"GPT input embeddings must be [batch, time, {Config.Width}], got shape {embeddings.Shape}");
        int time = embeddings.Shape[1];
        if (pastLength < 0) throw new ArgumentOutOfRangeException(nameof(pastLength), "the past length cannot be negative");
        int start = CheckContext(pastLength + time, caches) + pastLength;
        var positions = tape.Keep(Tensor.From(_backend, Enumerable.Range(start, time).ToArray(), time));

        var x = embeddings;                                                           // [B, T, C]
        if (PositionEmbedding is not null)
            x = tape.Add(x, PositionEmbedding.Forward(tape, positions));            // [T, C] broadcast over B
        for (int i = 0; i < Blocks.Count; i++)
            x = Blocks[i].Forward(tape, x, positions, caches?[i]);
        return FinalNorm.Forward(tape, x);
    }

    // The first position of this pass, after what the caches hold; past the context is an error.
    private int CheckContext(int time, IReadOnlyList<KvCache>? caches)
    {
        int start = caches?[0].Length ?? 0;
        if (start + time > Config.Context)
            throw new ArgumentException($"{start + time} positions exceed the model's context of {Config.Context}");
        return start;
    }

    /// <summary>Causal LM loss: mean cross-entropy of logits at t against targets (ids shifted by one; -100 ignored).</summary>
    public Variable Loss(Tape tape, Tensor ids, Tensor targets)
    {
        var logits = Forward(tape, ids);
        return tape.CrossEntropy(tape.Reshape(logits, -1, Config.VocabularySize), targets.Reshape(-1));
    }

    /// <summary>One empty KV cache per layer for generating up to <paramref name="capacity"/> positions.</summary>
    public KvCache[] NewCaches(int batch, int capacity) =>
        Blocks.Select(b => new KvCache(_backend, batch, Config.KvHeads, capacity, b.Attention.HeadDim)).ToArray();
}
