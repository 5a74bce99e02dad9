namespace LlmLab.Experiments.Tests;

/// <summary>Plots are real PNG files of the stated size, drawn by ScottPlot on this machine.</summary>
public sealed class PngTests : IDisposable
{
    private readonly HostHarness _host = new();

    public void Dispose() => _host.Dispose();

    public static bool IsPng(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        return bytes.Length > 1000 && bytes.AsSpan(0, 8).SequenceEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A });
    }

    private static (int Width, int Height) Size(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int Read(int at) => bytes[at] << 24 | bytes[at + 1] << 16 | bytes[at + 2] << 8 | bytes[at + 3];
        return (Read(16), Read(20)); // the IHDR chunk
    }

    [Fact]
    public void A_log_scatter_of_named_points_is_a_png()
    {
        var scatter = new ChartSpec("scatter", "Score against trainable parameters", "trainable parameters", "score", ChartKind.LogScatter,
            [new PlotSeries("rouge_l", [1e6, 3e4, 512], [0.5, 0.45, 0.1]), new PlotSeries("acc", [1e6, 3e4, 512], [0.9, double.NaN, 0.6])],
            ["full", "LoRA", "prompt tuning"]);
        ChartRenderer.Write(scatter, _host.Root);
        Assert.True(IsPng(Path.Combine(_host.Root, "scatter.png")));
        Assert.Equal((ChartRenderer.Width, ChartRenderer.Height), Size(Path.Combine(_host.Root, "scatter.png")));
    }

    [Fact]
    public void LineAndBarChartsArePngs()
    {
        var line = new ChartSpec("line", "Loss", "step", "loss", ChartKind.Line,
            [new PlotSeries("train_loss", [1, 2, 3], [3, 2, double.NaN]), new PlotSeries("val_loss", [2], [2.5])]);
        var bars = new ChartSpec("bars", "Final loss", "combination", "loss", ChartKind.Bar,
            [new PlotSeries("loss", [0, 1], [1.5, 0.5])], ["a rather long combination name", "b"]);
        ChartRenderer.Write(line, _host.Root);
        ChartRenderer.Write(bars, _host.Root);

        foreach (string name in new[] { "line.png", "bars.png" })
        {
            Assert.True(IsPng(Path.Combine(_host.Root, name)), name);
            Assert.Equal((ChartRenderer.Width, ChartRenderer.Height), Size(Path.Combine(_host.Root, name)));
        }
    }

    [Fact]
    public void PlotNamesBecomeSafeFileNames() =>
        Assert.Equal("final-eval-time--s-.png", ChartSpec.ChartFileName("final eval/time (s)"));
}
