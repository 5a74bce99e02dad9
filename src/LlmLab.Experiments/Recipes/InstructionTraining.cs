using System.Diagnostics;
using LlmLab.Data;
using LlmLab.Peft;
using LlmLab.Tokenizers;
using LlmLab.Training;

namespace LlmLab.Experiments;

/// <summary>How an instruction fine-tuning trains: every weight, or a LoRA adapter merged back at the end.</summary>
public sealed record InstructionTuning(int Steps, int BatchSize, double LearningRate, bool Lora = false, int LoraRank = 8,
    double LoraAlpha = 16, string TargetModules = "q_proj,k_proj,v_proj,o_proj", int WarmupSteps = 30, int CheckpointInterval = 0);

/// <summary>
/// Supervised fine-tuning of a copy of a model on instruction items, FLAN's recipe at small scale: the prompt is an
/// item's input, the completion the target delimiter, its target and the blank line that ends an answer in a
/// few-shot prompt (" &lt;target&gt;\n\n": the model learns to end an answer with a line break, where the prompting
/// harness stops generating), with the loss on the completion only.
/// Items longer than the model's context are left out and counted. LoRA adapters are merged into the weights at
/// the end, so the result is a plain model again (a later stage can fine-tune it once more).
/// </summary>
public static class InstructionTraining
{
    public const string EndOfAnswer = "\n\n";

    /// <summary>The item as (prompt, completion) tokens, cut where the harness cuts context and continuation.</summary>
    public static (int[] Prompt, int[] Completion) Encode(ITokenizer tokenizer, InstructionExample item) =>
        (tokenizer.Encode(item.Input), tokenizer.Encode(" " + item.Target + EndOfAnswer));

    /// <summary>Trains a copy of <paramref name="start"/> as the run's stage <paramref name="stage"/> and returns it
    /// with how long the training took.</summary>
    public static (TinyGpt Model, TimeSpan Time, long Trainable) Train(ExperimentContext context, string stage, TinyGpt start,
        IReadOnlyList<InstructionExample> train, IReadOnlyList<InstructionExample> validation, InstructionTuning tuning)
    {
        var model = start.Copy();
        var gpt = model.Model;
        var (trainBatches, validationBatches) = Batches(context, stage, model.Tokenizer, gpt.Config.Context, train, validation, tuning.BatchSize);
        if (tuning.Lora)
        {
            var lora = new LoraConfig { Rank = tuning.LoraRank, Alpha = (float)tuning.LoraAlpha, TargetModules = LoraConfig.ParseTargets(tuning.TargetModules) };
            try
            {
                Lora.Apply(gpt, lora, context.Seed);
            }
            catch (ArgumentException e)
            {
                throw new ExperimentConfigException($"TargetModules: {e.Message}");
            }
        }
        long trainable = gpt.ParameterCount(trainableOnly: true);
        var options = Options(tuning.Steps, tuning.LearningRate, tuning.WarmupSteps, tuning.CheckpointInterval);
        var clock = Stopwatch.StartNew();
        TrainingStage.Run(context, stage, gpt, (tape, b) => gpt.Loss(tape, b.Inputs, b.Targets), options, trainBatches, validationBatches);
        var time = clock.Elapsed;
        if (tuning.Lora)
        {
            Lora.MergeAndUnload(gpt);
            gpt.Unfreeze("*");
        }
        return (model, time, trainable);
    }

    /// <summary>A fine-tuning's schedule: warm-up, then a cosine to a tenth of the peak; clipping at norm 1; four
    /// validations, five log lines, a checkpoint every half unless one is given.</summary>
    public static TrainingOptions Options(int steps, double learningRate, int warmupSteps, int checkpointInterval) => new()
    {
        Steps = steps, LearningRate = (float)learningRate, MinLearningRate = (float)learningRate / 10,
        WarmupSteps = Math.Min(warmupSteps, steps), MaxGradientNorm = 1,
        EvaluationInterval = Math.Max(1, steps / 4), EvaluationBatches = 1,
        CheckpointInterval = checkpointInterval > 0 ? checkpointInterval : Math.Max(1, steps / 2),
        LogInterval = Math.Max(1, steps / 5),
    };

    /// <summary>Training and validation batches of (prompt, completion) items that fit <paramref name="positions"/>;
    /// the ones that do not are left out and counted in the log.</summary>
    public static (PromptCompletionBatches Train, PromptCompletionBatches Validation) Batches(ExperimentContext context, string stage,
        ITokenizer tokenizer, int positions, IReadOnlyList<InstructionExample> train, IReadOnlyList<InstructionExample> validation, int batchSize)
    {
        int pad = tokenizer.SpecialTokens.Pad ?? throw new ArgumentException("the tokenizer has no PAD token");
        PromptCompletionBatches trainBatches, validationBatches;
        try
        {
            trainBatches = new PromptCompletionBatches(train.Select(i => Encode(tokenizer, i)), positions, batchSize, pad, context.Seed, stage);
            validationBatches = new PromptCompletionBatches(validation.Select(i => Encode(tokenizer, i)), positions,
                Math.Min(64, validation.Count), pad, context.Seed, stage + ".validation");
        }
        catch (ArgumentException e)
        {
            throw new ExperimentConfigException($"{stage}: {e.Message} (the model's context is {positions} tokens)");
        }
        if (trainBatches.Skipped > 0)
            context.Log($"{stage}: {trainBatches.Skipped} of {train.Count} training items are longer than the context of {positions} tokens and were left out");
        return (trainBatches, validationBatches);
    }
}
