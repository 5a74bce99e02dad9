namespace LlmLab.Experiments;

/// <summary>
/// Post-training weight quantisation of a trained model (LLM.int8's per-row int8, ggml's Q8_0 and Q4_0): the size of
/// the weights as stored and the perplexity on held-out corpus text, each format against f32 on the same windows.
/// The linear layers are quantised, and with <see cref="QuantizeTokenEmbedding"/> the token embedding (and so the tied
/// LM head) too, as ggml's GPT-2 example does; other embeddings, norms and biases stay f32.
/// </summary>
[Recipe("quantize", typeof(QuantizeRecipe), Description = "int8, Q8_0 and Q4_0 weights of a trained model: size and held-out perplexity against f32")]
public sealed record QuantizeConfig
{
    [Param(Description = "model/ folder of an earlier pretrain run (empty: pre-train one here)")] public string BaseModel { get; init; } = "";
    [Param(Description = "pre-training steps when BaseModel is empty", Min = 1, Max = 10_000_000)] public int PretrainSteps { get; init; } = 600;
    [Param(Description = "tokenizer of a model pre-trained here: char or bpe")] public TokenizerKind Tokenizer { get; init; } = TokenizerKind.Char;
    [Param(Description = "BPE vocabulary size of a model pre-trained here", Min = 260, Max = 100_000)] public int VocabularySize { get; init; } = 2048;
    [Param(Description = "a checkpoint every this many pre-training steps, and at the end (0: every quarter)", Min = 0, Max = 10_000_000)] public int CheckpointInterval { get; init; }
    [Param(Description = "formats, a comma list of int8, q8_0, q4_0 (f32 is always measured first)")] public string Formats { get; init; } = "int8,q4_0";
    [Param(Description = "held-out batches of 12 context windows scored for each format", Min = 1, Max = 100_000)] public int EvaluationBatches { get; init; } = 20;
    [Param(Description = "also quantise the token embedding, and so the tied LM head (ggml's GPT-2 quantises wte)")] public bool QuantizeTokenEmbedding { get; init; }
}
