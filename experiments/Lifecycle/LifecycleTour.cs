using LlmLab.Experiments;

namespace Lifecycle;

/// <summary>
/// The default experiment: the generative-AI project lifecycle on one tiny GPT, on the CPU in minutes - learn a BPE
/// vocabulary from the synthetic corpus and pre-train on it, sample with four decoding strategies, fine-tune for
/// dialogue summarisation fully and with LoRA (ROUGE and the facts stated before and after), quantise to int8 and
/// Q4_0, and evaluate on held-out text. Each step is a recipe the other examples run on their own; one base model
/// serves them all.
/// </summary>
[Experiment("lifecycle-tour", IsDefault = true,
    Description = "Pre-train a tiny GPT, sample from it, fine-tune it fully and with LoRA, quantise it and evaluate it")]
[Profile("quick", "PretrainSteps=30", "Documents=300", "BatchSize=4", "FinetuneSteps=6", "TrainExamples=24",
    "TestExamples=5", "SummaryLength=30", "SamplesPerPrompt=1", "SampleLength=20", "EvaluationBatches=2", "HeldOutDocuments=10")]
public sealed class LifecycleTour
{
    [Param(Description = "tokenizer: bpe (learned from the corpus; a dialogue and its summary take about 115 tokens) or char")] public TokenizerKind Tokenizer { get; set; } = TokenizerKind.Bpe;
    [Param(Description = "BPE vocabulary size", Min = 260, Max = 100_000)] public int VocabularySize { get; set; } = 2048;
    [Param(Description = "pre-training steps (4 layers, width 128)", Min = 1, Max = 1_000_000)] public int PretrainSteps { get; set; } = 500;
    [Param(Description = "context in tokens (a dialogue and its summary must fit)", Min = 64, Max = 2048)] public int Context { get; set; } = 192;
    [Param(Description = "position embeddings: Learned (GPT-2) or Rotary (RoPE, Llama)")] public LlmLab.Models.PositionKind Positions { get; set; } = LlmLab.Models.PositionKind.Learned;
    [Param(Description = "sequences per pre-training step", Min = 1, Max = 1024)] public int BatchSize { get; set; } = 16;
    [Param(Description = "peak pre-training learning rate", Min = 0, Max = 1)] public double LearningRate { get; set; } = 2e-3;
    [Param(Description = "corpus documents to pre-train on", Min = 10, Max = 10_000_000)] public int Documents { get; set; } = 4000;
    [Param(Description = "tokens per sample", Min = 1, Max = 10_000)] public int SampleLength { get; set; } = 60;
    [Param(Description = "samples per prompt and strategy", Min = 1, Max = 100)] public int SamplesPerPrompt { get; set; } = 2;
    [Param(Description = "fine-tuning steps, for each of full and LoRA", Min = 1, Max = 1_000_000)] public int FinetuneSteps { get; set; } = 800;
    [Param(Description = "peak learning rate of full fine-tuning", Min = 0, Max = 1)] public double FinetuneLearningRate { get; set; } = 3e-3;
    [Param(Description = "LoRA rank", Min = 1, Max = 512)] public int LoraRank { get; set; } = 8;
    [Param(Description = "layers LoRA adapts (q_proj,v_proj, all-linear, globs)")] public string TargetModules { get; set; } = "q_proj,k_proj,v_proj,o_proj";
    [Param(Description = "peak LoRA learning rate", Min = 0, Max = 1)] public double LoraLearningRate { get; set; } = 1e-2;
    [Param(Description = "dialogues to fine-tune on", Min = 1, Max = 1_000_000)] public int TrainExamples { get; set; } = 2000;
    [Param(Description = "dialogues to score with ROUGE and for the facts stated", Min = 1, Max = 100_000)] public int TestExamples { get; set; } = 40;
    [Param(Description = "longest generated summary in tokens", Min = 1, Max = 4096)] public int SummaryLength { get; set; } = 80;
    [Param(Description = "held-out batches for the quantised perplexity", Min = 1, Max = 100_000)] public int EvaluationBatches { get; set; } = 10;
    [Param(Description = "held-out documents for the final evaluation", Min = 1, Max = 1_000_000)] public int HeldOutDocuments { get; set; } = 100;

    private TinyGpt? _model;
    private TinyGpt Model => _model ?? throw new InvalidOperationException("the pretrain step did not run");

    [Step(1)]
    public void Pretrain(ExperimentContext context) => _model = PretrainRecipe.Pretrain(new PretrainConfig
    {
        Tokenizer = Tokenizer, VocabularySize = VocabularySize, Context = Context, Positions = Positions, BatchSize = BatchSize, Steps = PretrainSteps,
        LearningRate = LearningRate, MinLearningRate = LearningRate / 10, Documents = Documents,
        WarmupSteps = Math.Min(100, PretrainSteps / 10), EvaluationInterval = Math.Max(1, PretrainSteps / 5), EvaluationBatches = 4,
    }, context);

    [Step(2)]
    public void Sample(ExperimentContext context) => GenerateRecipe.Compare(Model,
        new GenerateConfig { MaxNewTokens = SampleLength, SamplesPerPrompt = SamplesPerPrompt }, context);

    [Step(3)]
    public void Finetune(ExperimentContext context) => FinetuneRecipe.Compare(Model, new FinetuneConfig
    {
        Method = FinetuneMethod.Both, Steps = FinetuneSteps, WarmupSteps = Math.Min(50, FinetuneSteps / 5), LearningRate = FinetuneLearningRate, LoraRank = LoraRank,
        TargetModules = TargetModules, LoraLearningRate = LoraLearningRate, TrainExamples = TrainExamples, TestExamples = TestExamples,
        MaxNewTokens = SummaryLength,
    }, context);

    [Step(4)]
    public void Quantize(ExperimentContext context) => QuantizeRecipe.Compare(Model,
        new QuantizeConfig { Formats = "int8,q4_0", EvaluationBatches = EvaluationBatches }, context);

    [Step(5)]
    public void Evaluate(ExperimentContext context) => EvaluateRecipe.Evaluate(Model,
        new EvaluateConfig { Documents = HeldOutDocuments, SampleLength = SampleLength }, context);
}
