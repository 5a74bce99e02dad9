namespace LlmLab.Experiments;

/// <summary>
/// Parameters of the scaling-laws recipe: IsoFLOP sweeps in miniature. At each compute budget C (FLOPs counted as
/// 6ND, N the non-embedding parameters) the model shapes of the list nearest the centre of the sweep trains on D = C / 6N tokens of the character-level synthetic corpus, with its cosine schedule the length of its
/// run (as Hoffmann et al. 2022 insist), and its final validation loss is one point of the fits.
/// </summary>
[Recipe("scaling", typeof(ScalingLawsRecipe), Description = "IsoFLOP sweeps in miniature: several compute budgets, several model sizes each, then Chinchilla's Approach 2 (parabolas) and 3 (L = E + A/N^alpha + B/D^beta) fitted")]
public sealed record ScalingLawsConfig
{
    [Param(Description = "compute budgets in FLOPs (6ND), comma-separated")] public string Budgets { get; init; } = "1e11,3e11,1e12,3e12";
    [Param(Description = "model shapes LAYERSxWIDTH, comma-separated (a head for every 16 dimensions, one below 32)")] public string Shapes { get; init; } = "2x8,2x16,2x24,2x32,2x48,2x64,2x96,2x128";
    [Param(Description = "model shapes each budget trains: those whose tokens per parameter lie nearest CentreTokensPerParameter", Min = 3, Max = 100)] public int SizesPerBudget { get; init; } = 5;
    [Param(Description = "tokens per non-embedding parameter the sizes of a budget are centred on (Chinchilla's optimum is about 20; a guess, which the fits test)", Min = 0.01, Max = 1e6)] public double CentreTokensPerParameter { get; init; } = 100;
    [Param(Description = "context length in characters", Min = 8, Max = 4096)] public int Context { get; init; } = 64;
    [Param(Description = "sequences per step", Min = 1, Max = 4096)] public int BatchSize { get; init; } = 16;
    [Param(Description = "peak learning rate of every run", Min = 0, Max = 1)] public double LearningRate { get; init; } = 3e-3;
    [Param(Description = "share of each run's steps spent warming up", Min = 0, Max = 1)] public double WarmupShare { get; init; } = 0.05;
    [Param(Description = "validation batches averaged for each point's final loss", Min = 1, Max = 10_000)] public int EvaluationBatches { get; init; } = 40;
    [Param(Description = "fewest optimizer steps a run may have: shorter ones are too noisy to fit and are left out of their budget", Min = 1, Max = 10_000_000)] public int MinSteps { get; init; } = 100;
}
