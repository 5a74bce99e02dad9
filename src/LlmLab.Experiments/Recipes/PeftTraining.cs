using System.Diagnostics;
using LlmLab.Autograd;
using LlmLab.Data;
using LlmLab.Nn;
using LlmLab.Peft;
using LlmLab.Prompting;
using LlmLab.Quantization;
using LlmLab.Training;

namespace LlmLab.Experiments;

/// <summary>One fine-tuning of the peft recipe: the method, its row label, its stage name and its settings.</summary>
public sealed record PeftSpec(PeftMethod Method, string Label, string Stage, double LearningRate, LoraConfig? Lora = null,
    WeightFormat QloraFormat = WeightFormat.Q4_0, int VirtualTokens = 16, int ReductionFactor = 16);

/// <summary>
/// What a fine-tuning trained and cost. <see cref="WeightBytes"/>: the model's weights as its forward reads them
/// (a quantised base in its format); <see cref="StateBytes"/>: what training keeps per trainable parameter (its
/// gradient and AdamW's two moments, f32); <see cref="PeakBytes"/>: measured, the most tensor memory the fine-tuning
/// held at once (<see cref="Tensors.MemoryMeter"/>): its copy of the model, the method's weights, gradients,
/// optimizer state and a step's activations.
/// </summary>
public sealed record PeftRun(PeftSpec Spec, ILanguageModel Model, long Trainable, long BaseParameters, TimeSpan Time, int Steps,
    long WeightBytes, long StateBytes, long PeakBytes)
{
    public TimeSpan StepTime => Time / Steps;
}

/// <summary>
/// Trains a copy of a base model with one PEFT method on instruction items (prompt, completion: the loss on the
/// completion only, as <see cref="InstructionTraining"/>) and returns it as a language model for the prompting
/// harness: LoRA and IA3 stay unmerged in their layers, QLoRA's base stays quantised, a soft prompt goes in front
/// of every input, a prefix into every layer's keys and values.
/// </summary>
public static class PeftTraining
{
    public static PeftRun Train(ExperimentContext context, TinyGpt start, PeftSpec spec, IReadOnlyList<InstructionExample> train,
        IReadOnlyList<InstructionExample> validation, int steps, int batchSize, int warmupSteps, int checkpointInterval)
    {
        // Peak memory from here: what the process held before (the base model, earlier runs) is not this run's.
        var memory = start.Model.Backend.TensorMemory;
        long before = memory.LiveBytes;
        memory.ResetPeak();
        var model = start.Copy();
        var gpt = model.Model;
        long baseParameters = gpt.ParameterCount();
        int virtualTokens = spec.Method is PeftMethod.PromptTuning or PeftMethod.PrefixTuning ? spec.VirtualTokens : 0;
        if (virtualTokens >= gpt.Config.Context)
            throw new ExperimentConfigException($"VirtualTokens: {virtualTokens} virtual tokens leave no room in the context of {gpt.Config.Context}");
        var (trainBatches, validationBatches) = InstructionTraining.Batches(context, spec.Stage, model.Tokenizer, gpt.Config.Context - virtualTokens,
            train, validation, batchSize);

        Module trained = gpt;
        Func<Tape, TrainingBatch, Variable> loss = (tape, b) => gpt.Loss(tape, b.Inputs, b.Targets);
        PromptTuning? prompt = null;
        PrefixTuning? prefix = null;
        try
        {
            switch (spec.Method)
            {
                case PeftMethod.Lora:
                    Lora.Apply(gpt, spec.Lora!, context.Seed);
                    break;
                case PeftMethod.Qlora:
                    WeightQuantizer.Quantize(gpt, spec.QloraFormat);
                    Lora.Apply(gpt, spec.Lora!, context.Seed);
                    break;
                case PeftMethod.BitFit:
                    BitFit.Apply(gpt);
                    break;
                case PeftMethod.Ia3:
                    Ia3.Apply(gpt, Ia3Config.For(gpt.Config));
                    break;
                case PeftMethod.Adapters:
                    Houlsby.Apply(gpt, new HoulsbyConfig { ReductionFactor = spec.ReductionFactor }, context.Seed);
                    break;
                case PeftMethod.PromptTuning:
                    prompt = PromptTuning.Apply(gpt, new PromptTuningConfig { NumVirtualTokens = virtualTokens, Init = PromptTuningInit.SampleVocab }, context.Seed);
                    trained = prompt;
                    loss = (tape, b) => prompt.Loss(tape, b.Inputs, b.Targets);
                    break;
                case PeftMethod.PrefixTuning:
                    prefix = PrefixTuning.Apply(gpt, new PrefixTuningConfig { NumVirtualTokens = virtualTokens }, context.Seed);
                    trained = prefix;
                    loss = (tape, b) => prefix.Loss(tape, b.Inputs, b.Targets);
                    break;
            }
        }
        catch (ArgumentException e)
        {
            throw new ExperimentConfigException($"{spec.Label}: {e.Message}");
        }
        long trainable = trained.ParameterCount(trainableOnly: true);
        context.Log($"{spec.Stage}: {spec.Label} trains {trainable:N0} of {baseParameters:N0} parameters");

        var options = InstructionTraining.Options(steps, spec.LearningRate, warmupSteps, checkpointInterval);
        var clock = Stopwatch.StartNew();
        TrainingStage.Run(context, spec.Stage, trained, loss, options, trainBatches, validationBatches);
        var time = clock.Elapsed;
        long peak = memory.PeakBytes - before;

        var language = new DecoderLanguageModel(gpt, model.Tokenizer, spec.Stage, softPrompt: prompt?.Prompt.Embedding.Weight.Data,
            prefix: prefix?.ForHarness());
        return new PeftRun(spec, language, trainable, baseParameters, time, steps, WeightBytes(trained), trainable * 3 * sizeof(float), peak);
    }

    /// <summary>Every parameter in f32, except a quantised linear layer's weight, which counts as stored.</summary>
    private static long WeightBytes(Module model)
    {
        long bytes = model.ParameterCount() * sizeof(float);
        foreach (var (_, layer) in WeightQuantizer.Linears(model))
            if (layer.QuantizedWeight is not null) bytes += layer.WeightByteLength - layer.Weight.Data.ElementCount * sizeof(float);
        return bytes;
    }
}
