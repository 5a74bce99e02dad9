using LlmLab.IO;
using LlmLab.Tests.Infrastructure;

namespace LlmLab.Cli.Tests;

/// <summary>The Hugging Face reference folders (tests/fixtures/hf) the model commands are tested against.</summary>
internal static class ModelFixtures
{
    public static string Folder(string name) => Fixtures.Path($"hf/{name}");

    public static string Expected(string name) => Path.Combine(Folder(name), "expected.safetensors");

    public static float[] ReadLogits(string path, string name = "logits")
    {
        using var file = Safetensors.Open(path);
        return file.ReadFloats(name);
    }

    public static double MaxAbsDifference(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        double worst = 0;
        for (int i = 0; i < a.Length; i++)
        {
            Assert.False(float.IsNaN(a[i]) || float.IsNaN(b[i]), $"NaN at {i}");
            worst = Math.Max(worst, Math.Abs((double)a[i] - b[i]));
        }
        return worst;
    }

    /// <summary>The exit code 0 and no error output, else the failure with what the command printed.</summary>
    public static CliResult Succeeds(this CliResult r)
    {
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.Error}");
        Assert.Equal("", r.Error);
        return r;
    }
}
