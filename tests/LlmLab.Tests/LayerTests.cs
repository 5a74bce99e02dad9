using LlmLab.Backends;
using LlmLab.Tensors;
using LlmLab.Testing;
using Xunit.Abstractions;

namespace LlmLab.Tests;

/// <summary>
/// The engine's layers, lowest first: a namespace may use its own layer and the layers below it, never one above
/// (checked over every reference the compiled types make, method bodies included). The README's Layout section
/// describes the same order.
/// </summary>
public class LayerTests(ITestOutputHelper output)
{
    private static readonly (string Name, string[] Namespaces)[] Layers =
    [
        ("Numerics", ["LlmLab", "LlmLab.Numerics"]),
        ("Random", ["LlmLab.Random"]),
        ("Tensors", ["LlmLab.Tensors"]),
        ("Backends", ["LlmLab.Backends", "LlmLab.Backends.Cpu", "LlmLab.Backends.Cpu.Kernels", "LlmLab.Backends.Ilgpu", "LlmLab.Backends.Ilgpu.Kernels"]),
        ("IO", ["LlmLab.IO"]),
        ("Tokenizers", ["LlmLab.Tokenizers"]),
        ("Evaluation", ["LlmLab.Evaluation"]),
        ("Scaling", ["LlmLab.Scaling"]),
        ("Data", ["LlmLab.Data"]),
        ("Autograd", ["LlmLab.Autograd"]),
        ("Nn", ["LlmLab.Nn"]),
        ("Quantization", ["LlmLab.Quantization"]),
        ("Models", ["LlmLab.Models"]),
        ("Generation", ["LlmLab.Generation"]),
        ("Models.HuggingFace", ["LlmLab.Models.HuggingFace"]),
        ("Prompting", ["LlmLab.Prompting"]),
        ("Peft", ["LlmLab.Peft"]),
        ("Training", ["LlmLab.Training"]),
        ("Alignment", ["LlmLab.Alignment"]),
    ];

    private static readonly System.Reflection.Assembly Engine = typeof(Tensor).Assembly;

    private static readonly LayerOrder Order = new([.. Layers.Select(l => l.Name)], LayerOf);

    private static string? LayerOf(Type type) =>
        type.Assembly == Engine && type.Namespace is { } ns ? Layers.FirstOrDefault(l => l.Namespaces.Contains(ns)).Name : null;

    /// <summary>The one reference up the order: a tensor's storage belongs to a backend, so Tensors names the
    /// IBackend interface, and nothing else of Backends.</summary>
    private static bool Allowed(Type user, Type used) => user.Namespace == "LlmLab.Tensors" && used == typeof(IBackend);

    [Fact]
    public void Every_engine_namespace_has_a_layer()
    {
        var missing = Engine.GetTypes()
            .Where(t => t.Namespace is { } ns && (ns == "LlmLab" || ns.StartsWith("LlmLab.", StringComparison.Ordinal)))
            .Select(t => t.Namespace!)
            .Distinct()
            .Where(ns => !Layers.Any(l => l.Namespaces.Contains(ns)))
            .Order(StringComparer.Ordinal);
        Assert.Empty(missing);
    }

    [Fact]
    public void No_engine_type_uses_a_higher_layer()
    {
        foreach (var line in Order.Graph(Engine)) output.WriteLine(line);
        var upward = Order.UpwardReferences(Engine, Allowed);
        Assert.True(upward.Count == 0, "references up the layer order:\n" + string.Join("\n", upward));
    }

    [Fact]
    public void Ilgpu_kernel_argument_types_are_internal()
    {
        // ILGPU's generated code reaches internal types through InternalsVisibleTo("ILGPURuntime") in LlmLab.csproj.
        var exported = Engine.GetExportedTypes().Where(t => t.Namespace == "LlmLab.Backends.Ilgpu.Kernels").Select(t => t.Name);
        Assert.Empty(exported);
        Assert.False(typeof(IBackend).Assembly.GetType("LlmLab.Backends.AdamWScalars")!.IsPublic);
    }
}
