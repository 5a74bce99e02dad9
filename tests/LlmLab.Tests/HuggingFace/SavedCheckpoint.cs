using LlmLab.IO;
using LlmLab.Models.HuggingFace;
using LlmLab.Tests.Data;
using LlmLab.Tests.Infrastructure;

namespace LlmLab.Tests.HuggingFace;

/// <summary>The round-trip check every architecture shares: load a fixture, save it, and find what transformers wrote.</summary>
internal static class SavedCheckpoint
{
    /// <summary>
    /// Loads <paramref name="fixture"/> on cpu, saves it to a fresh folder and asserts the same tensor names, shapes and
    /// values, the same config.json and (when the fixture has one) the same generation_config.json.
    /// </summary>
    public static void AssertRoundTrip(string fixture)
    {
        var model = HfCheckpoint.Load(TestBackends.Get("cpu"), fixture);
        using var folder = new TempFiles();
        model.Save(folder.Directory);
        using var original = Safetensors.Open(Path.Combine(fixture, "model.safetensors"));
        using var saved = Safetensors.Open(Path.Combine(folder.Directory, "model.safetensors"));
        Assert.Equal(original.Names.Order(), saved.Names.Order());
        foreach (var name in original.Names)
        {
            Assert.Equal(original.Info(name).Shape, saved.Info(name).Shape);
            Assert.Equal(original.ReadFloats(name), saved.ReadFloats(name));
        }
        foreach (string file in new[] { "config.json", "generation_config.json" })
            if (File.Exists(Path.Combine(fixture, file)))
                Assert.Equal(HfConfig.Read(Path.Combine(fixture, file)).ToJsonString(), HfConfig.Read(Path.Combine(folder.Directory, file)).ToJsonString());
    }
}
