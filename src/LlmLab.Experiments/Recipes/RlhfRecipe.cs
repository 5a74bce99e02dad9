using System.Globalization;
using LlmLab.Alignment;
using LlmLab.Data;
using LlmLab.Peft;
using LlmLab.Training;

namespace LlmLab.Experiments;

/// <summary>
/// The rlhf recipe (the course's third week): a base model is fine-tuned on dialogue summaries of which a share are
/// flawed (rude, or stating a fact the dialogue does not), as a model trained on web text learns both; a reward model
/// (from the fine-tuned weights) learns the hidden preference from (prompt, chosen, rejected) pairs; the fine-tuned
/// policy is then aligned against itself as the frozen reference with PPO on the reward model's scores and a KL
/// penalty, once more without the penalty (reward hacking), and with DPO from the pairs directly. Each policy
/// summarises held-out dialogues and is scored on rudeness (<see cref="RudeWords"/>), invented facts, the reward
/// model's score, KL to the reference, distinct-2, ROUGE-L against the reference, and how often its implicit reward
/// prefers the chosen completion of a held-out pair.
/// </summary>
public static class RlhfRecipe
{
    /// <summary>Where the held-out pairs and the fine-tuning summaries start among the generator's indices.</summary>
    public const long TestStart = 1_000_000_000, SftStart = 500_000_000;

    // Which fine-tuning summaries are the flawed ones: a draw of its own per item.
    private const uint SftMixStream = 0x51F7;

    public static void Run(RlhfConfig config, ExperimentContext context)
    {
        var baseModel = PromptingBase.Obtain(context, config.BaseModel, config.PretrainSteps, config.Tokenizer, config.VocabularySize,
            config.Context, config.LabelledText, config.CheckpointInterval);
        ulong seed = context.Seed;
        var train = PreferenceGenerator.Generate(seed, config.TrainPairs).ToArray();
        var test = PreferenceGenerator.Generate(seed, config.TestPairs, TestStart).ToArray();

        var sft = FineTune(context, config, baseModel);
        int end = EndToken(sft);
        var (rewardModel, rewardAccuracy) = TrainRewardModel(context, config, sft, train, test);
        var dpo = AlignWithDpo(context, config, sft, train, test);
        var ppoConfig = PpoSettings(config);
        var ppo = AlignWithPpo(context, config, "ppo", sft, rewardModel, train, ppoConfig, end);
        var hacked = config.RunWithoutKl
            ? AlignWithPpo(context, config, "ppo-no-kl", sft, rewardModel, train, ppoConfig with { KlCoefficient = 0, TargetKl = null }, end)
            : null;
        var lora = config.RunLora ? AlignWithPpo(context, config, "ppo-lora", sft, rewardModel, train, ppoConfig, end, lora: true) : null;

        var evaluation = new PolicyEvaluation(context, rewardModel, sft, test, config.TestPrompts, config.MaxNewTokens, (float)config.Temperature,
            config.BatchSize, end);
        var rows = new List<PolicyScores> { evaluation.Score("fine-tuned (SFT)", sft), evaluation.Score("PPO", ppo) };
        if (hacked is not null) rows.Add(evaluation.Score("PPO without KL", hacked));
        if (lora is not null) rows.Add(evaluation.Score("PPO on LoRA", lora));
        rows.Add(evaluation.Score("DPO", dpo));
        RlhfReport.Write(context, config, ppoConfig.StepsPerRollout, rewardAccuracy, [.. rows]);
    }

    /// <summary>The token that ends an answer (the fine-tuning's blank line); generation stops after it.</summary>
    private static int EndToken(TinyGpt model)
    {
        var ids = model.Tokenizer.Encode(InstructionTraining.EndOfAnswer);
        return ids.Length == 1 ? ids[0]
            : throw new ExperimentConfigException($"this tokenizer writes the end of an answer (a blank line) as {ids.Length} tokens; the rlhf recipe needs it as one (use BPE)");
    }

    private static PpoConfig PpoSettings(RlhfConfig config)
    {
        try
        {
            return new PpoConfig
            {
                RolloutSize = config.RolloutSize, MiniBatches = config.PpoMiniBatches, Epochs = config.PpoEpochs, KlCoefficient = config.KlCoefficient,
                TargetKl = config.TargetKl > 0 ? config.TargetKl : null, KlHorizon = config.KlHorizon, KlEstimator = config.KlEstimator,
                MaxNewTokens = config.MaxNewTokens,
            }.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ExperimentConfigException(e.Message);
        }
    }

    /// <summary>PPO from the fine-tuned policy (with a fresh value head), the fine-tuned model the frozen reference and
    /// the reward model the score; each rollout logged, each step's figures in metrics.jsonl.</summary>
    private static TinyGpt AlignWithPpo(ExperimentContext context, RlhfConfig config, string stage, TinyGpt sft, RewardModel rewardModel,
        PreferenceExample[] train, PpoConfig ppo, int end, bool lora = false)
    {
        var copy = sft.Copy();
        // On LoRA the policy is its own reference, its adapter off: no second copy of the weights.
        if (lora) Lora.Apply(copy.Model, new LoraConfig { Rank = 8, Alpha = 16, TargetModules = ["q_proj", "k_proj", "v_proj", "o_proj"] }, context.Seed);
        var reference = lora ? ReferenceModel.AdapterOff(copy.Model) : ReferenceModel.Frozen(sft.Model);
        int pad = sft.Tokenizer.SpecialTokens.Pad ?? throw new ArgumentException("the tokenizer has no PAD token");
        int room = copy.Model.Config.Context - ppo.MaxNewTokens;
        int[][] prompts = [.. train.Select(p => sft.Tokenizer.Encode(p.Prompt)).Where(p => p.Length <= room)];
        var options = InstructionTraining.Options(config.PpoRollouts * ppo.StepsPerRollout, lora ? config.PpoLoraLearningRate : config.PpoLearningRate,
            config.WarmupSteps, 0) with
        {
            CheckpointInterval = (config.CheckpointInterval > 0 ? config.CheckpointInterval : Math.Max(1, config.PpoRollouts / 2)) * ppo.StepsPerRollout,
        };
        using var trainer = new PpoTrainer(new PolicyWithValueHead(copy.Model, context.Seed), reference, rewardModel, prompts, ppo, config.PpoRollouts,
            options, pad, end, context.Seed, TrainingStage.Files(context, stage));
        trainer.RolloutCollected += s => context.Log(FormattableString.Invariant(
            $"{stage}: rollout {s.Rollout + 1} | score {s.MeanScore:F3} | KL {s.MeanKl:F3} | β {s.KlCoefficient:F3} | length {s.MeanLength:F1}"));
        TrainingStage.Run(context, stage, trainer.Trainer);
        return copy;
    }

    /// <summary>The policy's start: supervised fine-tuning on summaries, a share of them flawed.</summary>
    private static TinyGpt FineTune(ExperimentContext context, RlhfConfig config, TinyGpt baseModel)
    {
        InstructionExample[] Items(long start, int count, out int flawed)
        {
            var pairs = PreferenceGenerator.Generate(context.Seed, count, start).ToArray();
            var isFlawed = pairs.Select((_, i) => new DataRandom(context.Seed, (ulong)(start + i), SftMixStream).Chance(config.FlawedShare)).ToArray();
            flawed = isFlawed.Count(f => f);
            return [.. pairs.Select((p, i) => new InstructionExample(p.Id, "summarize", "rlhf", p.Prompt, (isFlawed[i] ? p.Rejected : p.Chosen)[1..], [],
                InstructionMetric.RougeL))];
        }
        var items = Items(SftStart, config.TrainPairs, out int flawedCount);
        var validation = Items(SftStart - 1000, 32, out _);
        context.Log($"sft: {flawedCount} of {items.Length} fine-tuning summaries are flawed");
        return InstructionTraining.Train(context, "sft", baseModel, items, validation,
            new InstructionTuning(config.SftSteps, config.BatchSize, config.SftLearningRate, WarmupSteps: config.WarmupSteps,
                CheckpointInterval: config.CheckpointInterval)).Model;
    }

    /// <summary>A reward model from the fine-tuned model's weights (as InstructGPT starts one) and a score head, trained
    /// on the pairs and saved with its tokenizer in the run's reward-model/; its accuracy on the held-out pairs,
    /// overall and per flaw.</summary>
    private static (RewardModel Model, RewardAccuracy Accuracy) TrainRewardModel(ExperimentContext context, RlhfConfig config, TinyGpt sft,
        PreferenceExample[] train, PreferenceExample[] test)
    {
        var copy = sft.Copy();
        var model = new RewardModel(copy.Model, context.Seed);
        var (trainBatches, validationBatches) = PairBatches(context, "reward", copy, train, test.Take(32).ToArray(), config.BatchSize);
        var options = InstructionTraining.Options(config.RewardSteps, config.RewardLearningRate, config.WarmupSteps, config.CheckpointInterval);
        TrainingStage.Run(context, "reward", model, model.PairwiseLoss, options, trainBatches, validationBatches);
        string folder = Path.Combine(context.RunFolder, "reward-model");
        RewardModelFiles.Save(model, folder);
        copy.Tokenizer.Save(folder);
        var accuracy = RewardAccuracy.Measure(model, copy.Tokenizer, test, config.BatchSize);
        context.Log(FormattableString.Invariant($"reward model: held-out pair accuracy {accuracy.All:F3} (rude {accuracy.Rude:F3}, wrong fact {accuracy.WrongSlot:F3})"));
        return (model, accuracy);
    }

    /// <summary>DPO from the fine-tuned policy, the fine-tuned model itself the frozen reference; the implicit rewards
    /// of each step in metrics.jsonl.</summary>
    private static TinyGpt AlignWithDpo(ExperimentContext context, RlhfConfig config, TinyGpt sft, PreferenceExample[] train, PreferenceExample[] test)
    {
        var policy = sft.Copy();
        var (trainBatches, validationBatches) = PairBatches(context, "dpo", policy, train, test.Take(32).ToArray(), config.BatchSize);
        var options = InstructionTraining.Options(config.DpoSteps, config.DpoLearningRate, config.WarmupSteps, config.CheckpointInterval);
        using var trainer = new DpoTrainer(policy.Model, ReferenceModel.Frozen(sft.Model), config.Beta, options, trainBatches, validationBatches,
            TrainingStage.Files(context, "dpo"));
        TrainingStage.Run(context, "dpo", trainer.Trainer);
        return policy;
    }

    /// <summary>Training and validation batches of pairs, each completion ended as the fine-tuning ends an answer.</summary>
    internal static (PreferenceBatches Train, PreferenceBatches Validation) PairBatches(ExperimentContext context, string stage, TinyGpt model,
        PreferenceExample[] train, PreferenceExample[] validation, int pairsPerBatch)
    {
        int pad = model.Tokenizer.SpecialTokens.Pad ?? throw new ArgumentException("the tokenizer has no PAD token");
        int positions = model.Model.Config.Context;
        try
        {
            var trainBatches = new PreferenceBatches(train.Select(p => Encode(model, p)), positions, pairsPerBatch, pad, context.Seed, stage);
            if (trainBatches.Skipped > 0) context.Log($"{stage}: {trainBatches.Skipped} of {train.Length} pairs are longer than the context and were left out");
            return (trainBatches, new PreferenceBatches(validation.Select(p => Encode(model, p)), positions, validation.Length, pad, context.Seed, stage + ".validation"));
        }
        catch (ArgumentException e)
        {
            throw new ExperimentConfigException($"{stage}: {e.Message} (the model's context is {positions} tokens)");
        }
    }

    internal static (int[] Prompt, int[] Chosen, int[] Rejected) Encode(TinyGpt model, PreferenceExample pair) =>
        (model.Tokenizer.Encode(pair.Prompt), model.Tokenizer.Encode(pair.Chosen + InstructionTraining.EndOfAnswer),
            model.Tokenizer.Encode(pair.Rejected + InstructionTraining.EndOfAnswer));

    internal static string Percent(double share) => (100 * share).ToString("F0", CultureInfo.InvariantCulture) + "%";
}
