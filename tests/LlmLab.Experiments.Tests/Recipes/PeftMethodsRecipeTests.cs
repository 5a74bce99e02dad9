using LlmLab.Nn;

namespace LlmLab.Experiments.Tests;

/// <summary>
/// The peft recipe through the host at the size of its YAML quick profile: one row per method and sweep point,
/// trainable parameters as each method's formula gives them on the tiny GPT, scores and shares consistent with the
/// summaries, QLoRA's weights smaller than LoRA's, the log-scale plot, and the same report for the same seed. The
/// parameter lists' errors name what is wrong.
/// </summary>
[Collection("recipes")]
public sealed class PeftMethodsRecipeTests : IDisposable
{
    private readonly HostHarness _host = new();

    public void Dispose() => _host.Dispose();

    // The quick profile of experiments/Lifecycle/peft-methods with 2 pre-training and 2 fine-tuning steps.
    private static readonly PeftMethodsConfig Quick = new()
    {
        PretrainSteps = 2, VocabularySize = 512, Steps = 2, WarmupSteps = 1, BatchSize = 4, TrainItems = 40, Items = 2,
        MaxNewTokens = 6, VirtualTokens = 4, LoraSweep = "2:attention,4:all-linear",
    };

    [Fact]
    public void Every_method_trains_its_formulas_parameters_and_is_scored_on_every_task()
    {
        var experiment = RecipeRuns.Experiment("peft-quick", c => PeftMethodsRecipe.Run(Quick, c));
        string first = RecipeRuns.Run(_host, experiment, 5, "a");
        string again = RecipeRuns.Run(_host, experiment, 5, "b");
        Assert.Equal(RecipeRuns.ScrubbedReport(first), RecipeRuns.ScrubbedReport(again));

        var table = RecipeRuns.Table(first, "peft: methods at the same data and steps");
        Assert.Equal(["method", "trainable parameters", "% of the model", "summarize (rouge_l)", "sentiment (acc)", "% of full fine-tuning's gain",
            "time per step", "weights (MB)", "gradients + AdamW state (MB)", "peak tensor memory (MB, measured)"], table.Columns);
        Assert.Equal(["base model (no training)", "full fine-tuning", "LoRA r8", "QLoRA r8 over q4_0", "BitFit (biases)", "IA3", "adapters (Houlsby, reduction 16)", "prompt tuning, 4 tokens",
            "prefix tuning, 4 tokens", "LoRA r2, attention", "LoRA r4, all-linear"], table.Rows.Select(r => r[0].ToString()));
        var trainable = table.Rows.ToDictionary(r => r[0].ToString()!, r => (long)RecipeRuns.Number(r[1]));

        // The pre-trained tiny GPT: L = 4 blocks of width C = 128, MLP H = 4C, tied head, 512 tokens, 256 positions.
        const long L = 4, C = 128, H = 4 * C;
        long all = trainable["full fine-tuning"];
        Assert.Equal(512 * C + 256 * C + L * (4 * C * C + 4 * C + 2 * C * H + H + C + 4 * C) + 2 * C, all);
        Assert.Equal(L * 4 * 8 * (C + C), trainable["LoRA r8"]);                                 // r (in + out), q k v o
        Assert.Equal(trainable["LoRA r8"], trainable["QLoRA r8 over q4_0"]);
        Assert.Equal(L * (7 * C + H) + C, trainable["BitFit (biases)"]);                          // peft-free BitFit: every bias
        Assert.Equal(L * (2 * C + H), trainable["IA3"]);                                          // k, v out; the MLP's down projection in
        Assert.Equal(2 * L * (2 * C * (C / 16) + C / 16 + C), trainable["adapters (Houlsby, reduction 16)"]); // down, up and biases, two a block
        Assert.Equal(4 * C, trainable["prompt tuning, 4 tokens"]);
        Assert.Equal(4 * L * 2 * C, trainable["prefix tuning, 4 tokens"]);                       // n L 2 C, no projection                                // n C
        Assert.Equal(L * 4 * 2 * (C + C), trainable["LoRA r2, attention"]);
        Assert.Equal(L * 4 * (4 * (C + C) + (C + H) + (H + C)), trainable["LoRA r4, all-linear"]); // q k v o, c_fc, c_proj

        var summary = RunResults.Load(new RunPaths(first).Results).Summaries.ToDictionary(s => s.Key, s => RecipeRuns.Number(s.Value));
        string[] stages = ["full", "lora", "qlora", "bitfit", "ia3", "adapters", "prompt-tuning", "prefix-tuning", "lora-r2-attention", "lora-r4-all-linear"];
        for (int i = 0; i < stages.Length; i++)
        {
            var row = table.Rows[i + 1];
            Assert.Equal(summary[$"{stages[i]} summarize"], RecipeRuns.Number(row[3]));
            Assert.Equal(summary[$"{stages[i]} sentiment"], RecipeRuns.Number(row[4]));
            Assert.Equal(summary[$"{stages[i]} trainable parameters"], RecipeRuns.Number(row[1]));
            Assert.Equal(ReportCellKind.Duration, row[6].Kind);
            // Measured: the model's copy, its weights as read and a step's activations were all held at once.
            Assert.Equal(summary[$"{stages[i]} peak MB"], RecipeRuns.Number(row[9]));
            Assert.True(RecipeRuns.Number(row[9]) > RecipeRuns.Number(row[7]) + RecipeRuns.Number(row[8]), $"{stages[i]}: the peak is below its weights and state");
        }
        // QLoRA reads its base in Q4_0 (18 bytes a block of 32 weights, not 128): much less than LoRA's f32 weights.
        double Megabytes(string method) => RecipeRuns.Number(table.Rows.First(r => r[0].ToString() == method)[7]);
        Assert.InRange(Megabytes("QLoRA r8 over q4_0"), 0.2 * Megabytes("LoRA r8"), 0.6 * Megabytes("LoRA r8"));

        var plot = Assert.Single(RunResults.Load(new RunPaths(first).Results).Plots, p => p.Name == "peft-methods");
        Assert.Equal(ChartKind.LogScatter, plot.Kind);
        Assert.Equal(table.Rows.Skip(1).Select(r => r[0].ToString()), plot.Categories);
        Assert.All(plot.Series, s => Assert.Equal(table.Rows.Skip(1).Select(r => RecipeRuns.Number(r[1])), s.X));
        Assert.True(PngTests.IsPng(Path.Combine(first, "plots", "peft-methods.png")));
        Assert.StartsWith("Every method trained 2 steps of 4 items on each task; the base model scores summarize ", table.Sentence);
    }

    [Fact]
    public void A_share_of_full_fine_tunings_gain_averages_the_tasks_where_it_gains()
    {
        string[] tasks = ["a", "b", "c"];
        var baseScores = new Dictionary<string, double> { ["a"] = 0.2, ["b"] = 0.5, ["c"] = 0.9 };
        var full = new Dictionary<string, double> { ["a"] = 0.6, ["b"] = 0.7, ["c"] = 0.9 };
        var method = new Dictionary<string, double> { ["a"] = 0.4, ["b"] = 0.7, ["c"] = 0.1 };
        // a: half of full's gain; b: all of it; c: full gains nothing there, so c does not count.
        Assert.Equal(0.75, PeftMethodsRecipe.GainShare(tasks, baseScores, full, method)!.Value, 12);
        Assert.Null(PeftMethodsRecipe.GainShare(["c"], baseScores, full, method));
    }

    [Fact]
    public void Method_and_sweep_lists_parse_and_name_their_mistakes()
    {
        Assert.Equal([PeftMethod.Ia3, PeftMethod.Full, PeftMethod.PromptTuning], PeftMethods.Parse("ia3, full,prompt-tuning, ia3", "Methods"));
        Assert.Contains("unknown method 'lora2'", Assert.Throws<ExperimentConfigException>(() => PeftMethods.Parse("full,lora2", "Methods")).Message);
        Assert.Equal([new LoraVariant(2, "attention"), new LoraVariant(16, "all-linear")], LoraVariant.Parse("2:attention, 16:all-linear", "LoraSweep"));
        Assert.Empty(LoraVariant.Parse("", "LoraSweep"));
        foreach (var bad in new[] { "8", "0:attention", "8:mlp", "x:all-linear" })
            Assert.Contains($"'{bad}' is not rank:targets", Assert.Throws<ExperimentConfigException>(() => LoraVariant.Parse(bad, "LoraSweep")).Message);
        Assert.Equal(WeightFormat.Q4_0, new PeftMethodsConfig().QloraFormat);
    }
}
