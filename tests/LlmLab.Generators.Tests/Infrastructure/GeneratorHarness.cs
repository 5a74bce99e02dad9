using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.Loader;
using LlmLab.Experiments;
using LlmLab.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace LlmLab.Generators.Tests.Infrastructure;

/// <summary>
/// Runs the experiment generator in memory: C# sources and YAML files in, generated sources, diagnostics and the
/// step tracking out; and emits the result to load and call the generated binders.
/// </summary>
public static class GeneratorHarness
{
    public const string Folder = "/src/Demo/";

    /// <summary>The framework, LlmLab and LlmLab.Experiments: what an experiment project compiles against.</summary>
    public static readonly ImmutableArray<MetadataReference> References = LoadReferences();

    static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Preview);

    public static CSharpCompilation Compile(IEnumerable<(string Name, string Code)> sources, IEnumerable<MetadataReference>? extra = null,
        OutputKind kind = OutputKind.ConsoleApplication, string assemblyName = "Demo") =>
        CSharpCompilation.Create(
            assemblyName,
            sources.Select(s => Parse(s.Name, s.Code)),
            References.AddRange(extra ?? []),
            new CSharpCompilationOptions(kind, nullableContextOptions: NullableContextOptions.Enable));

    public static SyntaxTree Parse(string name, string code) =>
        CSharpSyntaxTree.ParseText(code, ParseOptions, Folder + name);

    public static AdditionalText Yaml(string name, string content) => new InMemoryText(Folder + name, content);

    public static GeneratorDriver Driver(params AdditionalText[] yaml) =>
        CSharpGeneratorDriver.Create(
            [new ExperimentGenerator().AsSourceGenerator()],
            yaml,
            ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator once: the compilation with its output added, and the generator's own diagnostics.</summary>
    public static GeneratorRun Run(CSharpCompilation compilation, params AdditionalText[] yaml)
    {
        var driver = Driver(yaml).RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        return new GeneratorRun(driver.GetRunResult(), output, diagnostics);
    }

    /// <summary>A recipe library compiled to an in-memory assembly, as src/LlmLab.Experiments will be to an experiment project.</summary>
    public static MetadataReference Library(string name, string code)
    {
        var library = Compile([(name + ".cs", code)], kind: OutputKind.DynamicallyLinkedLibrary, assemblyName: name);
        using var image = new MemoryStream();
        var emitted = library.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        return MetadataReference.CreateFromImage(image.ToArray());
    }

    /// <summary>Emits the generated program, loads it, and returns its ExperimentRegistry.All.</summary>
    public static IReadOnlyList<ExperimentDefinition> LoadRegistry(Compilation compilation)
    {
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        image.Position = 0;
        // A collectible context of its own; LlmLab.Experiments resolves to the test's copy, so the types match.
        var context = new AssemblyLoadContext("generated", isCollectible: true);
        var assembly = context.LoadFromStream(image);
        var registry = assembly.GetType("LlmLab.Generated.ExperimentRegistry", throwOnError: true)!;
        return (IReadOnlyList<ExperimentDefinition>)registry.GetProperty("All", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
    }

    static ImmutableArray<MetadataReference> LoadReferences()
    {
        var framework = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(path => Path.GetFileName(path) is var file && (file.StartsWith("System.", StringComparison.Ordinal) || file is "netstandard.dll" or "mscorlib.dll"));
        var lab = new[] { typeof(ExperimentDefinition).Assembly.Location, typeof(LlmLab.Backends.IBackend).Assembly.Location };
        return [.. framework.Concat(lab).Distinct().Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))];
    }

    sealed class InMemoryText(string path, string content) : AdditionalText
    {
        readonly SourceText _text = SourceText.From(content);
        public override string Path { get; } = path;
        public override SourceText GetText(CancellationToken cancellationToken = default) => _text;
    }
}

/// <summary>One generator run: what it produced and the compilation with it.</summary>
public sealed record GeneratorRun(GeneratorDriverRunResult Result, Compilation Output, ImmutableArray<Diagnostic> Diagnostics)
{
    public string Source(string hintName) =>
        Result.Results.Single().GeneratedSources.Single(s => s.HintName == hintName).SourceText.ToString();

    public IEnumerable<string> HintNames => Result.Results.Single().GeneratedSources.Select(s => s.HintName);

    /// <summary>Errors and warnings of the compiled result, the generator's own included.</summary>
    public IEnumerable<Diagnostic> Problems =>
        Diagnostics.Concat(Output.GetDiagnostics()).Where(d => d.Severity >= DiagnosticSeverity.Warning);
}
