using System.Runtime.CompilerServices;

namespace LlmLab.Generators.Tests.Infrastructure;

/// <summary>
/// Verified snapshots of generated code: Snapshots/NAME.verified.cs beside the tests holds the accepted text. A
/// mismatch or a missing file fails; outside CI it also writes NAME.received.cs to compare and, when right, to
/// rename to .verified.cs. Under CI (CI=true) nothing is written: snapshots are accepted by people, not by CI.
/// </summary>
public static class Snapshot
{
    public static void Match(string actual, string name, [CallerFilePath] string testFile = "")
    {
        var folder = Path.Combine(Path.GetDirectoryName(testFile)!, "Snapshots");
        var verified = Path.Combine(folder, name + ".verified.cs");
        var received = Path.Combine(folder, name + ".received.cs");
        actual = actual.Replace("\r\n", "\n");
        var expected = File.Exists(verified) ? File.ReadAllText(verified).Replace("\r\n", "\n") : null;
        if (expected == actual)
        {
            if (File.Exists(received)) File.Delete(received);
            return;
        }

        var problem = expected is null ? $"snapshot {verified} is missing" : $"generated code differs from {verified}";
        if (Environment.GetEnvironmentVariable("CI") == "true")
            Assert.Fail($"{problem}. Run the tests outside CI to write the .received.cs file, review it, and rename it to .verified.cs.");
        Directory.CreateDirectory(folder);
        File.WriteAllText(received, actual);
        Assert.Fail($"{problem}. Wrote {received}: compare the two and, if the new text is right, accept it with\n  mv {received} {verified}");
    }
}
