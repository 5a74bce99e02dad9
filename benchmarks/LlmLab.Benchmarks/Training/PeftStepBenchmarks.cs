using BenchmarkDotNet.Attributes;
using LlmLab.Autograd;
using LlmLab.Backends.Cpu;
using LlmLab.Data;
using LlmLab.Models;
using LlmLab.Nn;
using LlmLab.Peft;
using LlmLab.Quantization;
using LlmLab.Tokenizers;
using LlmLab.Training;

namespace LlmLab.Benchmarks.Training;

/// <summary>
/// One fine-tuning step (forward, backward, clipping, AdamW over what trains) of nanoGPT's CPU model (4 layers,
/// width 128, 12 x 64 tokens) on 2 threads, per PEFT method: the low-rank and adapter paths against full
/// fine-tuning, QLoRA over a Q4_0 base, and the soft-prompt methods with 16 virtual tokens (the model's context is
/// 64 + 16 so that they fit). docs/peft.md has the figures.
/// </summary>
public class PeftStepBenchmarks
{
    private const int Context = 64, Batch = 12, Virtual = 16;
    private Trainer _trainer = null!;

    [Params("full", "lora", "qlora", "bitfit", "ia3", "adapters", "prompt-tuning", "prefix-tuning")]
    public string Method { get; set; } = "full";

    [GlobalSetup]
    public void Setup()
    {
        var backend = new CpuBackend(2);
        string text = string.Join("\n\n", PretrainingCorpus.Generate(seed: 1, documents: 400));
        var tokenizer = CharTokenizer.Build(text);
        var gpt = new Gpt(backend, new GptConfig
        {
            VocabularySize = tokenizer.VocabularySize, Context = Context + Virtual, Layers = 4, Heads = 4, Width = 128,
        }, seed: 1);
        Module trained = gpt;
        Func<Tape, TrainingBatch, Variable> loss = (tape, b) => gpt.Loss(tape, b.Inputs, b.Targets);
        var lora = new LoraConfig { Rank = 8, TargetModules = ["q_proj", "k_proj", "v_proj", "o_proj"] };
        switch (Method)
        {
            case "lora":
                Lora.Apply(gpt, lora, seed: 1);
                break;
            case "qlora":
                WeightQuantizer.Quantize(gpt, WeightFormat.Q4_0);
                Lora.Apply(gpt, lora, seed: 1);
                break;
            case "bitfit":
                BitFit.Apply(gpt);
                break;
            case "ia3":
                Ia3.Apply(gpt, Ia3Config.For(gpt.Config));
                break;
            case "adapters":
                Houlsby.Apply(gpt, new HoulsbyConfig(), seed: 1);
                break;
            case "prompt-tuning":
                var prompt = PromptTuning.Apply(gpt, new PromptTuningConfig { NumVirtualTokens = Virtual }, seed: 1);
                (trained, loss) = (prompt, (tape, b) => prompt.Loss(tape, b.Inputs, b.Targets));
                break;
            case "prefix-tuning":
                var prefix = PrefixTuning.Apply(gpt, new PrefixTuningConfig { NumVirtualTokens = Virtual }, seed: 1);
                (trained, loss) = (prefix, (tape, b) => prefix.Loss(tape, b.Inputs, b.Targets));
                break;
        }
        var options = new TrainingOptions { Steps = int.MaxValue, WarmupSteps = 10, EvaluationInterval = 0, CheckpointInterval = 0 };
        _trainer = new Trainer(backend, trained, loss, options, new CausalLmBatches(tokenizer.Encode(text), Context, Batch, seed: 1));
    }

    [GlobalCleanup]
    public void Cleanup() => _trainer.Dispose();

    [Benchmark]
    public float Step() => _trainer.TrainStep().Loss;
}
