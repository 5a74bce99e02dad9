using LlmLab.Autograd;
using LlmLab.Models;
using LlmLab.Models.HuggingFace;
using LlmLab.Nn;
using LlmLab.Random;
using LlmLab.Tensors;

namespace LlmLab.Peft;

/// <summary>
/// Prompt tuning (Lester et al. 2021; peft's PeftModel with a PromptTuningConfig): a frozen model ("base_model")
/// whose input embeddings get <see cref="PromptEmbedding.VirtualTokens"/> learned rows ("prompt_encoder") in front.
/// As peft: a decoder-only model (LlmLab's GPT, GPT-2, Llama) and BERT read [prompt; tokens], so their logits have
/// n + T positions, the attention mask is extended with ones and the labels with -100 (<see cref="Loss"/>); T5's
/// encoder reads [prompt; tokens] while its decoder and labels are unchanged, and T5 keeps 2n rows
/// (num_transformer_submodules 2), of which the encoder uses the first n. Trainable parameters: n × submodules × C
/// (C the model's width, token_dim). Generation: Prompting.DecoderLanguageModel's softPrompt (greedy) and llmlab generate.
/// </summary>
public sealed class PromptTuning : Module
{
    private readonly Embedding _words;
    private readonly Func<Tape, Variable, Tensor?, Tensor?, Variable> _forward;

    private PromptTuning(Module model, ModelFamily family, Embedding words, int heads, int layers, PromptTuningConfig config, ulong seed,
        Func<Tape, Variable, Tensor?, Tensor?, Variable> forward)
    {
        config.Validate();
        Family = family;
        Config = config;
        NumAttentionHeads = heads;
        NumLayers = layers;
        _words = words;
        _forward = forward;
        BaseModel = Child("base_model", model);
        var backend = words.Weight.Backend;
        int submodules = family == ModelFamily.EncoderDecoder ? 2 : 1;
        Prompt = Child("prompt_encoder", new PromptEmbedding(backend, config.NumVirtualTokens, submodules, TokenDim, new RandomStream(seed, "prompt_tuning")));
    }

    public ModelFamily Family { get; }
    public PromptTuningConfig Config { get; }
    public Module BaseModel { get; }
    public PromptEmbedding Prompt { get; }
    /// <summary>The model's width: each virtual token's length.</summary>
    public int TokenDim => _words.Weight.Shape[1];
    public int VocabularySize => _words.Weight.Shape[0];
    public int NumAttentionHeads { get; }
    /// <summary>peft's num_layers: the model's layers (T5: the encoder's).</summary>
    public int NumLayers { get; }

    /// <summary>What prompt tuning trains, as peft counts it: n × submodules × C.</summary>
    public static long TrainableParameterCount(int virtualTokens, ModelFamily family, int tokenDim) =>
        (long)virtualTokens * (family == ModelFamily.EncoderDecoder ? 2 : 1) * tokenDim;

    /// <summary>
    /// Freezes <paramref name="gpt"/> and puts a prompt in front of its inputs. <paramref name="initTokenIds"/> are
    /// the tokens of <see cref="PromptTuningConfig.InitText"/> (required for <see cref="PromptTuningInit.Text"/>);
    /// random draws come from the stream "prompt_tuning" of <paramref name="seed"/>.
    /// </summary>
    public static PromptTuning Apply(Gpt gpt, PromptTuningConfig config, ulong seed, IReadOnlyList<int>? initTokenIds = null) =>
        Initialise(Create(gpt, config, seed), seed, initTokenIds);

    public static PromptTuning Apply(Bert bert, PromptTuningConfig config, ulong seed, IReadOnlyList<int>? initTokenIds = null) =>
        Initialise(Create(bert, config, seed), seed, initTokenIds);

    public static PromptTuning Apply(T5 t5, PromptTuningConfig config, ulong seed, IReadOnlyList<int>? initTokenIds = null) =>
        Initialise(Create(t5, config, seed), seed, initTokenIds);

    /// <summary>The same for a Hugging Face model: its GPT, BERT or T5 modules.</summary>
    public static PromptTuning Apply(HfModel model, PromptTuningConfig config, ulong seed, IReadOnlyList<int>? initTokenIds = null) =>
        Initialise(Create(Modules(model), config, seed), seed, initTokenIds);

    /// <summary>The LlmLab model a Hugging Face model is held as.</summary>
    internal static Module Modules(HfModel model) => model switch
    {
        DecoderModel decoder => decoder.Gpt,
        BertModel bert => bert.Bert,
        T5Model t5 => t5.T5,
        _ => throw new NotSupportedException($"prompt tuning: {model.Architecture} is not a model family LlmLab knows"),
    };

    /// <summary>A model's token_dim and num_transformer_submodules (2 for T5's encoder and decoder, else 1).</summary>
    internal static (int TokenDim, int Submodules) Dimensions(Module model) => model switch
    {
        Gpt gpt => (gpt.Config.Width, 1),
        Bert bert => (bert.Config.Width, 1),
        T5 t5 => (t5.Config.Width, 2),
        _ => throw new NotSupportedException($"prompt tuning: {model.GetType().Name} is not a GPT, BERT or T5"),
    };

    /// <summary>The frozen model with a prompt in front, its rows as first drawn (N(0, 1)).</summary>
    internal static PromptTuning Create(Module model, PromptTuningConfig config, ulong seed)
    {
        var tuning = model switch
        {
            Gpt gpt => new PromptTuning(gpt, ModelFamily.DecoderOnly, gpt.TokenEmbedding, gpt.Config.Heads, gpt.Config.Layers, config, seed,
                (tape, x, mask, decoder) =>
                {
                    if (decoder is not null) throw new ArgumentException("a decoder-only model takes no decoder input ids");
                    if (mask is not null && AttentionMask.Read(mask, new Shape(x.Shape[0], x.Shape[1]), "GPT").Contains(0))
                        throw new ArgumentException("GPT: padded inputs (zeros in attention_mask) are not supported; run rows of different lengths separately");
                    return gpt.ForwardEmbeddings(tape, x);
                }),
            Bert bert => new PromptTuning(bert, ModelFamily.EncoderOnly, bert.Embeddings.Word, bert.Config.Heads, bert.Config.Layers, config, seed,
                (tape, x, mask, decoder) => decoder is null
                    ? bert.ForwardEmbeddings(tape, x, mask)
                    : throw new ArgumentException("BERT is encoder-only: it takes no decoder input ids")),
            T5 t5 => new PromptTuning(t5, ModelFamily.EncoderDecoder, t5.Shared, t5.Config.Heads, t5.Config.EncoderLayers, config, seed,
                (tape, x, mask, decoder) => t5.ForwardEmbeddings(tape, x, mask,
                    decoder ?? throw new ArgumentException("T5 needs decoder input ids (the start token, then the targets shifted right)"))),
            _ => throw new NotSupportedException($"prompt tuning: {model.GetType().Name} is not a GPT, BERT or T5"),
        };
        foreach (var (_, p) in model.NamedParameters()) p.RequiresGrad = false;
        return tuning;
    }

    /// <summary>
    /// Logits for token ids [B, T] with the prompt in front: [B, n + T, V] (decoder-only, BERT) or [B, Td, V] (T5,
    /// given <paramref name="decoderInputIds"/>). <paramref name="attentionMask"/> is the tokens' [B, T] mask.
    /// </summary>
    public Variable Forward(Tape tape, Tensor ids, Tensor? attentionMask = null, Tensor? decoderInputIds = null)
    {
        if (ids.Rank != 2) throw new ArgumentException($"prompt tuning: input ids must be [batch, time], got shape {ids.Shape}");
        int batch = ids.Shape[0], n = Prompt.VirtualTokens;
        // peft's prompt tokens: ids 0 .. n - 1 of the table for every row of the batch.
        var rows = tape.Keep(Tensor.From(tape.Backend, Enumerable.Range(0, batch).SelectMany(_ => Enumerable.Range(0, n)).ToArray(), batch, n));
        var x = tape.Concat(Prompt.Embedding.Forward(tape, rows), _words.Forward(tape, ids), axis: 1);
        Tensor? mask = null;
        if (attentionMask is not null)
        {
            int[] given = AttentionMask.Read(attentionMask, ids.Shape, "prompt tuning");
            int time = ids.Shape[1];
            var extended = new int[batch * (n + time)];
            for (int b = 0; b < batch; b++)
            {
                Array.Fill(extended, 1, b * (n + time), n);
                Array.Copy(given, b * time, extended, b * (n + time) + n, time);
            }
            mask = tape.Keep(Tensor.From(tape.Backend, extended, batch, n + time));
        }
        return _forward(tape, x, mask, decoderInputIds);
    }

    /// <summary>
    /// Mean cross-entropy against <paramref name="targets"/> ([B, T] or [B T], -100 ignored): the decoder's targets
    /// for T5; for the others the targets of the tokens, with -100 put in front for the prompt's positions.
    /// </summary>
    public Variable Loss(Tape tape, Tensor ids, Tensor targets, Tensor? attentionMask = null, Tensor? decoderInputIds = null)
    {
        var logits = Forward(tape, ids, attentionMask, decoderInputIds);
        var labels = Family == ModelFamily.EncoderDecoder ? targets : tape.Keep(Prefixed(targets, ids.Shape[0], ids.Shape[1]));
        return tape.CrossEntropy(tape.Reshape(logits, -1, VocabularySize), labels.Reshape(-1));
    }

    // [B, T] targets as [B, n + T] with -100 (ignored) at the prompt's positions.
    private Tensor Prefixed(Tensor targets, int batch, int time)
    {
        if (targets.ElementCount != (long)batch * time)
            throw new ArgumentException($"prompt tuning: {targets.ElementCount} targets for {batch} x {time} tokens");
        long[] given = targets.DType == DType.I64 ? targets.ToArray<long>() : Array.ConvertAll(targets.ToArray<int>(), t => (long)t);
        int n = Prompt.VirtualTokens;
        var labels = new long[batch * (n + time)];
        for (int b = 0; b < batch; b++)
        {
            Array.Fill(labels, -100L, b * (n + time), n);
            Array.Copy(given, b * time, labels, b * (n + time) + n, time);
        }
        return Tensor.From(targets.Backend, labels, batch, n + time);
    }

    // Starts the rows as the config says (peft's PromptEmbedding.__init__); RANDOM keeps the N(0, 1) draw.
    private static PromptTuning Initialise(PromptTuning tuning, ulong seed, IReadOnlyList<int>? initTokenIds)
    {
        int rows = tuning.Prompt.Rows, vocabulary = tuning.VocabularySize;
        int[]? ids = null;
        switch (tuning.Config.Init)
        {
            case PromptTuningInit.SampleVocab:
                var draw = new RandomStream(seed, "prompt_tuning.sample_vocab");
                ids = [.. Enumerable.Range(0, rows).Select(_ => draw.NextInt(vocabulary))];
                break;
            case PromptTuningInit.Text:
                if (initTokenIds is not { Count: > 0 })
                    throw new ArgumentException("prompt tuning: TEXT init needs the init text's token ids");
                if (initTokenIds.Where(id => id < 0 || id >= vocabulary).Select(id => (int?)id).FirstOrDefault() is int bad)
                    throw new ArgumentException($"prompt tuning: init token id {bad} is outside the vocabulary of {vocabulary}");
                // Cut to the rows, or repeated until they are filled.
                ids = [.. Enumerable.Range(0, rows).Select(i => initTokenIds[i % initTokenIds.Count])];
                break;
        }
        if (ids is not null)
        {
            float[] table = tuning._words.Weight.Data.ToArray<float>();
            int dim = tuning.TokenDim;
            AdapterFolder.Assign(tuning.Prompt.Embedding.Weight, [.. ids.SelectMany(id => table.AsSpan(id * dim, dim).ToArray())]);
        }
        return tuning;
    }
}
