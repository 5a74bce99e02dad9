using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Nn;
using LlmLab.Random;
using LlmLab.Tensors;

namespace LlmLab.Models;

/// <summary>
/// An encoder-only BERT with its masked-LM head: transformers' BertForMaskedLM in LlmLab's modules, with the same
/// parameter names ("bert.encoder.layer.0.attention.self.query.weight", "cls.predictions.bias"), so a checkpoint
/// maps name for name. Embeddings: word + token type + learned position, then LayerNorm. Each layer is post-LN:
/// x = LN(x + attention(x)), then x = LN(x + W2 act(W1 x)); attention is bidirectional, with padded keys (zeros
/// in the attention mask) hidden from every query, while padded query rows are still computed, as transformers
/// does. The head: LN(act(dense x)), then logits against the word embeddings (or an untied decoder) plus a bias.
/// Initialisation as transformers': weights and embeddings N(0, initializer_range) with the padding token's word
/// embedding zero, biases 0, LayerNorms 1 and 0; every module draws from its own named stream of the seed.
/// </summary>
public sealed class Bert : Module
{
    private readonly IBackend _backend;

    public Bert(IBackend backend, BertConfig config, ulong seed)
    {
        _backend = backend;
        Config = config.Validate();
        Embeddings = Child("bert.embeddings", new EmbeddingLayer(backend, config, seed));
        Layers = Enumerable.Range(0, config.Layers)
            .Select(i => Child($"bert.encoder.layer.{i}", new EncoderLayer(backend, config, new RandomStream(seed, $"init.bert.encoder.layer.{i}"))))
            .ToArray();
        Head = Child("cls.predictions", new MaskedLmHead(backend, config, new RandomStream(seed, "init.cls.predictions")));
    }

    public BertConfig Config { get; }
    public IBackend Backend => _backend;
    public EmbeddingLayer Embeddings { get; }
    public IReadOnlyList<EncoderLayer> Layers { get; }
    public MaskedLmHead Head { get; }

    /// <summary>
    /// MLM logits [B, T, V] for token ids [B, T] (i32 or i64). <paramref name="attentionMask"/> ([B, T], i32 or i64,
    /// non-zero = a real token, 0 = padding) hides padded keys; <paramref name="tokenTypeIds"/> ([B, T]) picks the
    /// segment embedding (all 0 when null).
    /// </summary>
    public Variable Forward(Tape tape, Tensor ids, Tensor? attentionMask = null, Tensor? tokenTypeIds = null) =>
        Head.Forward(tape, Encode(tape, ids, attentionMask, tokenTypeIds), Config, Embeddings.Word);

    /// <summary>The encoder's last hidden state [B, T, C] (transformers' BertModel output).</summary>
    public Variable Encode(Tape tape, Tensor ids, Tensor? attentionMask = null, Tensor? tokenTypeIds = null)
    {
        if (ids.Rank != 2) throw new ArgumentException($"BERT input ids must be [batch, time], got shape {ids.Shape}");
        CheckPositions(ids.Shape[1]);
        return EncodeEmbeddings(tape, Embeddings.Word.Forward(tape, ids), attentionMask, tokenTypeIds);
    }

    /// <summary>
    /// MLM logits [B, T, V] from word embeddings [B, T, C] in place of the word embedding's rows (transformers'
    /// inputs_embeds; token type and position embeddings are still added): soft prompts enter here.
    /// </summary>
    public Variable ForwardEmbeddings(Tape tape, Variable inputsEmbeds, Tensor? attentionMask = null, Tensor? tokenTypeIds = null, int pastLength = 0) =>
        Head.Forward(tape, EncodeEmbeddings(tape, inputsEmbeds, attentionMask, tokenTypeIds, pastLength), Config, Embeddings.Word);

    /// <summary>
    /// The encoder's last hidden state [B, T, C] from word embeddings [B, T, C]. <paramref name="pastLength"/> keys
    /// come first in every layer (prefix tuning's, set on <see cref="EncoderLayer.Prefix"/>): positions start there,
    /// as transformers' BertEmbeddings counts after past_key_values, and the mask gets that many ones in front.
    /// </summary>
    public Variable EncodeEmbeddings(Tape tape, Variable inputsEmbeds, Tensor? attentionMask = null, Tensor? tokenTypeIds = null, int pastLength = 0)
    {
        if (inputsEmbeds.Shape.Rank != 3 || inputsEmbeds.Shape[2] != Config.Width)
            throw new ArgumentException($"BERT input embeddings must be [batch, time, {Config.Width}], got shape {inputsEmbeds.Shape}");
        int time = inputsEmbeds.Shape[1];
        if (pastLength < 0) throw new ArgumentOutOfRangeException(nameof(pastLength), "the past length cannot be negative");
        CheckPositions(pastLength + time);
        int batch = inputsEmbeds.Shape[0];
        var shape = new Shape(batch, time);
        if (tokenTypeIds is not null && tokenTypeIds.Shape != shape)
            throw new ArgumentException($"BERT token type ids {tokenTypeIds.Shape} must have the input ids' shape {shape}");
        Tensor? mask;
        if (pastLength == 0 || attentionMask is null)
        {
            mask = AttentionMask.KeyPadding(tape, attentionMask, shape, "BERT");
        }
        else
        {
            int[] given = AttentionMask.Read(attentionMask, shape, "BERT"), extended = new int[batch * (pastLength + time)];
            for (int b = 0; b < batch; b++)
            {
                Array.Fill(extended, 1, b * (pastLength + time), pastLength);
                Array.Copy(given, b * time, extended, b * (pastLength + time) + pastLength, time);
            }
            mask = given.All(m => m != 0) ? null : tape.Keep(Tensor.From(_backend, extended, batch, pastLength + time));
        }
        var types = tokenTypeIds ?? tape.Keep(Tensor.Zeros(_backend, shape, DType.I32));
        var positions = tape.Keep(Tensor.From(_backend, Enumerable.Range(pastLength, time).ToArray(), time));

        var x = Embeddings.Forward(tape, inputsEmbeds, types, positions);
        foreach (var layer in Layers) x = layer.Forward(tape, x, mask, Config);
        return x;
    }

    private void CheckPositions(int time)
    {
        if (time > Config.MaxPositions)
            throw new ArgumentException($"{time} positions exceed BERT's {Config.MaxPositions} position embeddings (max_position_embeddings)");
    }

    /// <summary>
    /// The masked-LM loss: mean cross-entropy of the logits against <paramref name="targets"/> ([B·T] or [B, T],
    /// the original token at chosen positions and -100 elsewhere), as BertForMaskedLM's loss with labels.
    /// </summary>
    public Variable Loss(Tape tape, Tensor ids, Tensor targets, Tensor? attentionMask = null, Tensor? tokenTypeIds = null)
    {
        var logits = Forward(tape, ids, attentionMask, tokenTypeIds);
        return tape.CrossEntropy(tape.Reshape(logits, -1, Config.VocabularySize), targets.Reshape(-1));
    }

    private static Variable Activation(Tape tape, Variable x, BertActivation activation) => activation switch
    {
        BertActivation.GeluErf => tape.GeluErf(x),
        BertActivation.GeluTanh => tape.Gelu(x),
        BertActivation.Relu => tape.Relu(x),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "unknown BERT activation"),
    };

    /// <summary>BertEmbeddings: LN(word[id] + token_type[type] + position[t]).</summary>
    public sealed class EmbeddingLayer : Module
    {
        internal EmbeddingLayer(IBackend backend, BertConfig config, ulong seed)
        {
            float std = config.InitializerRange;
            Word = Child("word_embeddings", new Embedding(backend, config.VocabularySize, config.Width, new RandomStream(seed, "init.bert.embeddings.word_embeddings"), std));
            Position = Child("position_embeddings", new Embedding(backend, config.MaxPositions, config.Width, new RandomStream(seed, "init.bert.embeddings.position_embeddings"), std));
            TokenType = Child("token_type_embeddings", new Embedding(backend, config.TypeVocabularySize, config.Width, new RandomStream(seed, "init.bert.embeddings.token_type_embeddings"), std));
            Norm = Child("LayerNorm", new Norm(backend, config.Width, NormKind.LayerNorm, bias: true, config.NormEpsilon));
            if (config.PadTokenId is int pad && Word.Weight.IsMaterialized)   // a deferred table is zeros already
            {
                // nn.Embedding(padding_idx=pad) starts that row at zero.
                var w = Word.Weight.Data;
                backend.Write(w.Storage, w.ByteOffset + (long)pad * config.Width * sizeof(float), new byte[config.Width * sizeof(float)]);
            }
        }

        public Embedding Word { get; }
        public Embedding Position { get; }
        public Embedding TokenType { get; }
        public Norm Norm { get; }

        internal Variable Forward(Tape tape, Variable words, Tensor types, Tensor positions)
        {
            var x = tape.Add(words, TokenType.Forward(tape, types));                     // [B, T, C]
            x = tape.Add(x, Position.Forward(tape, positions));                          // [T, C] broadcast over B
            return Norm.Forward(tape, x);
        }
    }

    /// <summary>BertLayer: self-attention and the feed-forward network, each closed by a residual LayerNorm.</summary>
    public sealed class EncoderLayer : Module, IAdapterBlock
    {
        internal EncoderLayer(IBackend backend, BertConfig config, RandomStream init)
        {
            int width = config.Width;
            float std = config.InitializerRange;
            Query = Child("attention.self.query", new Linear(backend, width, width, bias: true, init, std));
            Key = Child("attention.self.key", new Linear(backend, width, width, bias: true, init, std));
            Value = Child("attention.self.value", new Linear(backend, width, width, bias: true, init, std));
            AttentionOutput = Child("attention.output.dense", new Linear(backend, width, width, bias: true, init, std));
            AttentionNorm = Child("attention.output.LayerNorm", new Norm(backend, width, NormKind.LayerNorm, bias: true, config.NormEpsilon));
            Intermediate = Child("intermediate.dense", new Linear(backend, width, config.IntermediateSize, bias: true, init, std));
            Output = Child("output.dense", new Linear(backend, config.IntermediateSize, width, bias: true, init, std));
            OutputNorm = Child("output.LayerNorm", new Norm(backend, width, NormKind.LayerNorm, bias: true, config.NormEpsilon));
        }

        public Linear Query { get; }
        public Linear Key { get; }
        public Linear Value { get; }
        public Linear AttentionOutput { get; }
        public Norm AttentionNorm { get; }
        public Linear Intermediate { get; }
        public Linear Output { get; }
        public Norm OutputNorm { get; }

        /// <summary>
        /// Keys and values [B, heads, n, D] put ahead of this layer's own while set (prefix tuning's learned past, as
        /// transformers' BertSelfAttention joins past_key_value); the key padding mask must then cover n + T keys.
        /// </summary>
        public (Variable Key, Variable Value)? Prefix { get; set; }

        /// <summary>The bottleneck adapter on attention.output.dense's output, before the residual add and LayerNorm.</summary>
        public Bottleneck? AttentionAdapter { get; private set; }
        /// <summary>The bottleneck adapter on output.dense's output, before the residual add and LayerNorm.</summary>
        public Bottleneck? MlpAdapter { get; private set; }

        public void AttachAdapters(int bottleneck, BottleneckActivation activation, RandomStream init)
        {
            if (AttentionAdapter is not null) throw new InvalidOperationException("this layer already has bottleneck adapters");
            var backend = Query.Weight.Backend;
            int width = AttentionOutput.OutFeatures;
            AttentionAdapter = Child("attn_adapter", new Bottleneck(backend, width, bottleneck, activation, init));
            MlpAdapter = Child("mlp_adapter", new Bottleneck(backend, width, bottleneck, activation, init));
        }

        internal Variable Forward(Tape tape, Variable x, Tensor? keyMask, BertConfig config)
        {
            int batch = x.Shape[0], time = x.Shape[1];
            var q = SplitHeads(tape, Query.Forward(tape, x), batch, time, config);
            var k = SplitHeads(tape, Key.Forward(tape, x), batch, time, config);
            var v = SplitHeads(tape, Value.Forward(tape, x), batch, time, config);
            if (Prefix is var (prefixKey, prefixValue))
            {
                k = tape.Concat(prefixKey, k, axis: 2);
                v = tape.Concat(prefixValue, v, axis: 2);
            }
            var context = tape.Attention(q, k, v, new AttentionOptions { KeyPaddingMask = keyMask });
            var merged = tape.Reshape(tape.Transpose(context, 1, 2), batch, time, config.Width);
            var attention = AttentionOutput.Forward(tape, merged);
            x = AttentionNorm.Forward(tape, tape.Add(AttentionAdapter?.Forward(tape, attention) ?? attention, x));
            var hidden = Activation(tape, Intermediate.Forward(tape, x), config.Activation);
            var output = Output.Forward(tape, hidden);
            return OutputNorm.Forward(tape, tape.Add(MlpAdapter?.Forward(tape, output) ?? output, x));
        }

        // [B, T, H * D] to [B, H, T, D]
        private static Variable SplitHeads(Tape tape, Variable y, int batch, int time, BertConfig config) =>
            tape.Transpose(tape.Reshape(y, batch, time, config.Heads, config.HeadDim), 1, 2);
    }

    /// <summary>
    /// BertOnlyMLMHead's predictions: transform (dense, act, LayerNorm), then the decoder - the word embeddings
    /// (tied) or its own [V, C] weight - plus a bias of the vocabulary's size.
    /// </summary>
    public sealed class MaskedLmHead : Module
    {
        internal MaskedLmHead(IBackend backend, BertConfig config, RandomStream init)
        {
            Transform = Child("transform.dense", new Linear(backend, config.Width, config.Width, bias: true, init, config.InitializerRange));
            TransformNorm = Child("transform.LayerNorm", new Norm(backend, config.Width, NormKind.LayerNorm, bias: true, config.NormEpsilon));
            if (!config.TiedEmbeddings)
                Decoder = Child("decoder", new Linear(backend, config.Width, config.VocabularySize, bias: false, init, config.InitializerRange));
            Bias = Parameter("bias", Tensor.Zeros(backend, new Shape(config.VocabularySize)));
        }

        public Linear Transform { get; }
        public Norm TransformNorm { get; }
        /// <summary>The untied decoder [V, C]; null when it is the word embeddings.</summary>
        public Linear? Decoder { get; }
        /// <summary>cls.predictions.bias [V].</summary>
        public Variable Bias { get; }

        internal Variable Forward(Tape tape, Variable x, BertConfig config, Embedding wordEmbeddings)
        {
            var h = TransformNorm.Forward(tape, Activation(tape, Transform.Forward(tape, x), config.Activation));
            if (Decoder is null) return wordEmbeddings.Project(tape, h, Bias);
            // The decoder's bias is the head's own, so the linear layer's product is taken here.
            return Decoder.QuantizedWeight is { } quantized
                ? tape.QuantizedLinear(h, quantized, Bias)
                : tape.MatMul(h, Decoder.Weight, transposeB: true, bias: Bias);
        }
    }
}
