using LlmLab.Alignment;

namespace LlmLab.Experiments;

/// <summary>
/// Parameters of the rlhf recipe: a base model (a saved one, or pre-trained here), fine-tuned on dialogue summaries of
/// which a share are flawed (rude, or stating a fact the dialogue does not), a reward model trained on preference
/// pairs (from the fine-tuned model), and the fine-tuned policy aligned two ways against itself as the frozen
/// reference: PPO on the reward model's scores with a KL penalty (and once without it), and DPO from the pairs.
/// </summary>
[Recipe("rlhf", typeof(RlhfRecipe), Description = "Align a summariser with human feedback: a reward model from preference pairs, then PPO (with and without its KL penalty) and DPO; rudeness, invented facts, reward and KL before and after")]
public sealed record RlhfConfig
{
    [Param(Description = "a saved model folder (an earlier run's model/); empty: pre-train one here")]
    public string BaseModel { get; init; } = "";
    [Param(Description = "pre-training steps when BaseModel is empty", Min = 1, Max = 10_000_000)] public int PretrainSteps { get; init; } = 600;
    [Param(Description = "tokenizer of a base model pre-trained here")] public TokenizerKind Tokenizer { get; init; } = TokenizerKind.Bpe;
    [Param(Description = "BPE vocabulary size of a base model pre-trained here", Min = 260, Max = 100_000)] public int VocabularySize { get; init; } = 2048;
    [Param(Description = "context of a base model pre-trained here, in tokens", Min = 16, Max = 4096)] public int Context { get; init; } = 256;
    [Param(Description = "share of the pre-training documents that are labelled task text", Min = 0, Max = 1)] public double LabelledText { get; init; } = 0.3;
    [Param(Description = "supervised fine-tuning steps on the summaries (the policy's start)", Min = 1, Max = 10_000_000)] public int SftSteps { get; init; } = 300;
    [Param(Description = "share of the fine-tuning summaries that are flawed, as text from the web is", Min = 0, Max = 1)] public double FlawedShare { get; init; } = 0.5;
    [Param(Description = "peak learning rate of the supervised fine-tuning", Min = 0, Max = 1)] public double SftLearningRate { get; init; } = 1e-3;
    [Param(Description = "reward-model training steps", Min = 1, Max = 10_000_000)] public int RewardSteps { get; init; } = 300;
    [Param(Description = "peak learning rate of the reward model", Min = 0, Max = 1)] public double RewardLearningRate { get; init; } = 1e-3;
    [Param(Description = "DPO steps", Min = 1, Max = 10_000_000)] public int DpoSteps { get; init; } = 200;
    [Param(Description = "peak learning rate of DPO", Min = 0, Max = 1)] public double DpoLearningRate { get; init; } = 3e-5;
    [Param(Description = "DPO's beta: the larger, the closer the policy stays to the reference (trl's default 0.1 drifts far here)", Min = 1e-6, Max = 100)] public double Beta { get; init; } = 0.5;
    [Param(Description = "PPO rollouts (each samples RolloutSize responses, then trains on them)", Min = 1, Max = 1_000_000)] public int PpoRollouts { get; init; } = 20;
    [Param(Description = "responses sampled per PPO rollout", Min = 2, Max = 4096)] public int RolloutSize { get; init; } = 16;
    [Param(Description = "passes over each rollout", Min = 1, Max = 100)] public int PpoEpochs { get; init; } = 4;
    [Param(Description = "minibatches each rollout is cut into per pass (must divide RolloutSize)", Min = 1, Max = 4096)] public int PpoMiniBatches { get; init; } = 2;
    [Param(Description = "peak learning rate of PPO", Min = 0, Max = 1)] public double PpoLearningRate { get; init; } = 1e-4;
    [Param(Description = "PPO's per-token KL penalty coefficient (trl's init_kl_coef)", Min = 0, Max = 100)] public double KlCoefficient { get; init; } = 0.3;
    [Param(Description = "the KL (nats a response) PPO's adaptive controller steers toward (0: a fixed coefficient)", Min = 0, Max = 1000)] public double TargetKl { get; init; } = 3;
    [Param(Description = "the adaptive controller's horizon in responses (trl's 10,000 suits long runs; a short run needs a short one)", Min = 1, Max = 10_000_000)] public double KlHorizon { get; init; } = 32;
    [Param(Description = "PPO's KL estimator: K1 (log-ratio) or K3 (never negative)")] public KlEstimator KlEstimator { get; init; } = KlEstimator.K1;
    [Param(Description = "also run PPO without the KL penalty, to show reward hacking")] public bool RunWithoutKl { get; init; } = true;
    [Param(Description = "also run PPO on a LoRA adapter (rank 8 on q, k, v, o), the policy with its adapter off as the reference")] public bool RunLora { get; init; } = true;
    [Param(Description = "peak learning rate of PPO on LoRA", Min = 0, Max = 1)] public double PpoLoraLearningRate { get; init; } = 1e-3;
    [Param(Description = "sampling temperature of the held-out summaries", Min = 0.01, Max = 10)] public double Temperature { get; init; } = 1;
    [Param(Description = "items (summaries, or preference pairs) per step", Min = 1, Max = 4096)] public int BatchSize { get; init; } = 8;
    [Param(Description = "warm-up steps of every training", Min = 0, Max = 10_000_000)] public int WarmupSteps { get; init; } = 20;
    [Param(Description = "training preference pairs (and as many fine-tuning summaries)", Min = 1, Max = 10_000_000)] public int TrainPairs { get; init; } = 2000;
    [Param(Description = "held-out preference pairs for the reward model's accuracy and the preferred-completion rate", Min = 1, Max = 100_000)] public int TestPairs { get; init; } = 200;
    [Param(Description = "held-out dialogues each policy summarises (sampled at temperature 1)", Min = 1, Max = 100_000)] public int TestPrompts { get; init; } = 60;
    [Param(Description = "longest generated summary, in tokens", Min = 1, Max = 4096)] public int MaxNewTokens { get; init; } = 48;
    [Param(Description = "a checkpoint every this many steps of each training (0: every half)", Min = 0, Max = 10_000_000)] public int CheckpointInterval { get; init; }
}
