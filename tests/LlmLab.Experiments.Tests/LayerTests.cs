using LlmLab.Testing;
using Xunit.Abstractions;

namespace LlmLab.Experiments.Tests;

/// <summary>
/// The host's layers are its folders (one namespace, LlmLab.Experiments), lowest first: a folder's types may use
/// their own folder's and lower folders' types, never a higher one's (checked over every reference the compiled
/// types make, method bodies included; a type's folder comes from the source files its PDB names). The README's
/// Layout section describes the same order.
/// </summary>
public sealed class LayerTests(ITestOutputHelper output)
{
    /// <summary>Lowest first; "(root)" is the project's root folder (ExperimentContext, the API a step gets).</summary>
    private static readonly string[] Folders = ["Declarations", "Runs", "Reports", "(root)", "Definitions", "Binding", "Recipes", "Host"];

    private static readonly System.Reflection.Assembly Host = typeof(ExperimentContext).Assembly;

    private static readonly Lazy<Dictionary<Type, string[]>> FoldersOfTypes = new(() =>
        TypeReferences.SourceFiles(Host).ToDictionary(p => p.Key, p => p.Value.Select(FolderOf).OfType<string>().Distinct().ToArray()));

    /// <summary>The folder of a source file under src/LlmLab.Experiments/ ("(root)" at its root); null for generated code.</summary>
    private static string? FolderOf(string path)
    {
        const string project = "src/LlmLab.Experiments/";
        int at = path.LastIndexOf(project, StringComparison.Ordinal);
        if (at < 0) return null;
        var relative = path[(at + project.Length)..];
        int slash = relative.IndexOf('/');
        if (slash < 0) return "(root)";
        var folder = relative[..slash];
        return folder is "obj" or "bin" ? null : folder;
    }

    private static string? LayerOf(Type type) =>
        type.Assembly == Host && type.Namespace == "LlmLab.Experiments"
        && FoldersOfTypes.Value.TryGetValue(TypeReferences.Outermost(type), out var folders) && folders.Length == 1
            ? folders[0]
            : null;

    private static readonly LayerOrder Order = new(Folders, LayerOf);

    [Fact]
    public void EveryHostTypeLiesInOneKnownFolder()
    {
        var misplaced = Host.GetTypes()
            .Where(t => t.Namespace == "LlmLab.Experiments" && t.DeclaringType is null)
            .Select(t => (Type: t, Folders: FoldersOfTypes.Value.GetValueOrDefault(t, [])))
            .Where(t => t.Folders.Length != 1 || !Folders.Contains(t.Folders[0]))
            .Select(t => $"{t.Type.Name}: [{string.Join(", ", t.Folders)}]");
        Assert.Empty(misplaced);
    }

    [Fact]
    public void NoHostTypeUsesAHigherFolder()
    {
        foreach (var line in Order.Graph(Host)) output.WriteLine(line);
        var upward = Order.UpwardReferences(Host);
        Assert.True(upward.Count == 0, "references up the folder order:\n" + string.Join("\n", upward));
    }
}
