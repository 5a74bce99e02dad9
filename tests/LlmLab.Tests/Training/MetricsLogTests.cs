using LlmLab.Tests.Data;
using LlmLab.Training;

namespace LlmLab.Tests.Training;

/// <summary>metrics.jsonl's one codec: numbers that read back exactly, non-finite values kept, damaged lines skipped.</summary>
public class MetricsLogTests
{
    [Fact]
    public void Non_finite_values_are_written_as_strings_and_read_back()
    {
        using var files = new TempFiles();
        var log = new MetricsLog(Path.Combine(files.Directory, MetricsLog.FileName));
        log.Append(1, ("train_loss", 0.1 + 0.2), ("lr", 1e-3));
        log.Append(2, ("train_loss", double.NaN), ("grad_norm", double.PositiveInfinity), ("lr", double.NegativeInfinity));

        Assert.Equal(
            ["{\"step\": 1, \"train_loss\": 0.30000000000000004, \"lr\": 0.001}",
             "{\"step\": 2, \"train_loss\": \"NaN\", \"grad_norm\": \"Infinity\", \"lr\": \"-Infinity\"}"],
            File.ReadAllLines(log.Path));
        var series = MetricsLog.Read(log.Path).ToDictionary(s => s.Name);
        Assert.Equal(0.1 + 0.2, series["train_loss"].Points[0].Value);
        Assert.True(double.IsNaN(series["train_loss"].Final));
        Assert.Equal(double.PositiveInfinity, series["grad_norm"].Final);
        Assert.Equal(double.NegativeInfinity, series["lr"].Final);
    }

    [Fact]
    public void An_older_trainers_null_reads_as_nan()
    {
        using var files = new TempFiles();
        string path = files.Write(MetricsLog.FileName, "{\"step\": 0, \"val_loss\": 2.5}\n{\"step\": 1, \"val_loss\": null}\n");
        var loss = Assert.Single(MetricsLog.Read(path));
        Assert.Equal([0L, 1L], loss.Points.Select(p => p.Step));
        Assert.True(double.IsNaN(loss.Final));
    }

    [Fact]
    public void A_line_appended_after_a_half_written_one_is_kept()
    {
        using var files = new TempFiles();
        string path = files.Write(MetricsLog.FileName, "{\"step\": 1, \"train_loss\": 3}\n{\"step\": 2, \"train_lo");   // killed mid-line
        new MetricsLog(path).Append(2, ("train_loss", 2.5));

        var loss = Assert.Single(MetricsLog.Read(path));
        Assert.Equal([(1L, 3.0), (2L, 2.5)], loss.Points);
    }

    [Fact]
    public void Truncating_drops_only_the_named_lines_after_the_step_and_minus_one_drops_all_of_them()
    {
        using var files = new TempFiles();
        var log = new MetricsLog(Path.Combine(files.Directory, MetricsLog.FileName));
        log.Append(0, ("a_val_loss", 3.0));
        log.Append(1, ("a_train_loss", 2.0));
        log.Append(1, ("b_train_loss", 5.0));
        log.Append(2, ("a_train_loss", 1.0));

        log.TruncateAfter(1, "a_train_loss", "a_val_loss");
        Assert.Equal([0L, 1L, 1L], File.ReadLines(log.Path).Select(Step));
        log.TruncateAfter(-1, "a_train_loss", "a_val_loss");
        Assert.Equal(["{\"step\": 1, \"b_train_loss\": 5}"], File.ReadAllLines(log.Path));
    }

    private static long Step(string line) => MetricsLog.TryParseLine(line, out long step, out _) ? step : -99;
}
