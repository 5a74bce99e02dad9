using System.Diagnostics;
using System.Globalization;
using LlmLab.IO;

namespace LlmLab.Experiments.Tests;

/// <summary>Small experiments written by hand the way the generator writes them, to drive the host end to end.</summary>
internal static class TestExperiments
{
    public static readonly ParameterSpec StepsSpec = new("Steps", ParameterKind.Int32, "8", "training steps", Min: 1, Max: 1000) { TypeName = "int" };
    public static readonly ParameterSpec LearningRateSpec = new("LearningRate", ParameterKind.Double, "0.1", "step size", Min: 0, Max: 10) { TypeName = "double" };
    public static readonly ParameterSpec OptimizerSpec = new("Optimizer", ParameterKind.String, "sgd", "update rule", Choices: ["sgd", "adam"]) { TypeName = "string" };

    /// <summary>
    /// "toy-train": minimises w² from w = 1 with a little seeded noise, checkpointing every step; records train_loss,
    /// lr and ms (a timing) each step, val_loss every 4, then a table with a duration column, a plot and summaries.
    /// <paramref name="onStep"/> runs before each training step (tests cancel the run from it).
    /// </summary>
    public static ExperimentDefinition ToyTrain(Action<int>? onStep = null, bool isDefault = true) => TestBinder.Define(
        "toy-train",
        [StepsSpec, LearningRateSpec, OptimizerSpec],
        values => [new ExperimentStep("Prepare", Prepare), new ExperimentStep("Train", c => Train(c, values, onStep)), new ExperimentStep("Evaluate", c => Evaluate(c, values))],
        [TestBinder.Profile("quick", "Steps=4"), TestBinder.Profile("slow", "steps=12", "learning_rate=0.05")],
        isDefault,
        "Gradient descent on w² (a test experiment).");

    /// <summary>"failing": its second step throws.</summary>
    public static ExperimentDefinition Failing() => TestBinder.Define(
        "failing", [],
        _ => [new ExperimentStep("Prepare", c => c.Log("preparing")), new ExperimentStep("Explode", _ => throw new InvalidOperationException("boom: the loss went to NaN"))]);

    /// <summary>"broken": its profile names a parameter that does not exist (validate must catch it).</summary>
    public static ExperimentDefinition Broken() => TestBinder.Define(
        "broken", [StepsSpec],
        _ => [new ExperimentStep("Nothing", _ => { })],
        [TestBinder.Profile("quick", "Stepz=2")]);

    private static void Prepare(ExperimentContext context)
    {
        context.Log($"seed {context.Seed}, backend {context.Backend.Name}, resuming {context.IsResuming}");
        context.Summary("backend", context.Backend.Name);
    }

    private static void Train(ExperimentContext context, IReadOnlyDictionary<string, string> values, Action<int>? onStep)
    {
        int steps = int.Parse(values["Steps"], CultureInfo.InvariantCulture);
        double rate = double.Parse(values["LearningRate"], CultureInfo.InvariantCulture) * (values["Optimizer"] == "adam" ? 1.5 : 1.0);
        string checkpoint = Path.Combine(context.CheckpointFolder, "train.txt");

        int start = 0;
        double w = 1.0;
        if (context.IsResuming && File.Exists(checkpoint))
        {
            string[] saved = File.ReadAllText(checkpoint).Split(' ');
            (start, w) = (int.Parse(saved[0], CultureInfo.InvariantCulture), double.Parse(saved[1], CultureInfo.InvariantCulture));
            context.Log($"resuming from step {start}");
        }

        using var progress = context.Progress("training", steps);
        progress.Value = start;
        for (int step = start; step < steps; step++)
        {
            onStep?.Invoke(step);
            if (context.Cancellation.IsCancellationRequested) return; // the checkpoint of the last finished step is on disk
            var clock = Stopwatch.StartNew();
            // Noise drawn from a stream named by the step: the same whether the run was resumed or not.
            double noise = context.Random($"noise/{step}").NextUniform() * 0.01;
            w -= rate * 2 * w;
            double loss = w * w + noise;
            context.RecordMetrics(step + 1, new Dictionary<string, double> { ["train_loss"] = loss, ["lr"] = rate, ["ms"] = clock.Elapsed.TotalMilliseconds + 1 });
            if ((step + 1) % 4 == 0) context.RecordMetrics(step + 1, ("val_loss", loss * 1.1 + 0.001));
            AtomicFile.WriteAllText(checkpoint, string.Create(CultureInfo.InvariantCulture, $"{step + 1} {w:R}"));
            progress.Increment();
        }
    }

    private static void Evaluate(ExperimentContext context, IReadOnlyDictionary<string, string> values)
    {
        string[] saved = File.ReadAllText(Path.Combine(context.CheckpointFolder, "train.txt")).Split(' ');
        double w = double.Parse(saved[1], CultureInfo.InvariantCulture);
        var clock = Stopwatch.StartNew();
        context.Table("Weights after training", ["model", "final loss", "weight", "time"],
        [
            ["trained", w * w, w, clock.Elapsed],
            ["untrained", 1.0, 1.0, clock.Elapsed + TimeSpan.FromMilliseconds(3)],
        ]);
        context.Plot("weight", "Weight by step", "step", "w",
            [new PlotSeries("w", [0, 1, 2], [1.0, (1 + w) / 2, w])]);
        context.Summary("final loss", w * w);
        context.Summary("evaluation time", clock.Elapsed);
    }
}
