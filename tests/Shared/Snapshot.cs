using System.Runtime.CompilerServices;
using Xunit;

namespace LlmLab.Testing;

/// <summary>
/// Verified snapshots: Snapshots/NAME.verified.EXT beside the calling test file holds the accepted text. A mismatch
/// or a missing file fails; outside CI it also writes NAME.received.EXT to compare and, when right, to rename to
/// .verified.EXT. Under CI (CI=true) nothing is written: snapshots are accepted by people, not by CI. Shared by the
/// test projects as a linked file.
/// </summary>
public static class Snapshot
{
    public static void Match(string actual, string name, string extension = "cs", [CallerFilePath] string testFile = "")
    {
        var folder = Path.Combine(Path.GetDirectoryName(testFile)!, "Snapshots");
        var verified = Path.Combine(folder, $"{name}.verified.{extension}");
        var received = Path.Combine(folder, $"{name}.received.{extension}");
        actual = actual.Replace("\r\n", "\n");
        var expected = File.Exists(verified) ? File.ReadAllText(verified).Replace("\r\n", "\n") : null;
        if (expected == actual)
        {
            if (File.Exists(received)) File.Delete(received);
            return;
        }

        var problem = expected is null ? $"snapshot {verified} is missing" : $"the text differs from {verified}";
        if (Environment.GetEnvironmentVariable("CI") == "true")
            Assert.Fail($"{problem}. Run the tests outside CI to write the .received file, review it, and rename it to .verified.");
        Directory.CreateDirectory(folder);
        File.WriteAllText(received, actual);
        Assert.Fail($"{problem}. Wrote {received}: compare the two and, if the new text is right, accept it with\n  mv {received} {verified}");
    }
}
