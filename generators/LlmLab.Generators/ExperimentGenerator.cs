using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using LlmLab.Generators.Emit;
using LlmLab.Generators.Model;
using LlmLab.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LlmLab.Generators;

/// <summary>
/// Turns [Experiment] classes and *.experiment.yaml files into registered experiments with typed binders, an
/// ExperimentRegistry, and a Main that runs the host when the project has none. Every step's model is equatable
/// (no symbols or syntax), so an edit re-runs only what it touches; mistakes are build errors (LLMLAB001...).
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class ExperimentGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var environment = context.CompilationProvider
            .Select((compilation, _) => new GenerationEnvironment(
                compilation.GetTypeByMetadataName("LlmLab.Experiments.ExperimentDefinition") is not null,
                compilation.Options.OutputKind is OutputKind.ConsoleApplication or OutputKind.WindowsApplication))
            .WithTrackingName(TrackingNames.Environment);

        var classes = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                ExperimentClassParser.ExperimentAttributeName,
                static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                ExperimentClassParser.Parse)
            .WithTrackingName(TrackingNames.ExperimentClasses);

        var sourceRecipes = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                RecipeParser.RecipeAttributeName,
                static (node, _) => node is TypeDeclarationSyntax,
                RecipeParser.ParseSource)
            .WithTrackingName(TrackingNames.SourceRecipes);
        var referencedRecipes = context.CompilationProvider
            .Select(RecipeParser.FromReferences)
            .WithTrackingName(TrackingNames.ReferencedRecipes);
        var recipes = sourceRecipes.Collect().Combine(referencedRecipes)
            .Select(static (pair, _) => pair.Left.Select(r => r.Model).OfType<RecipeModel>().Concat(pair.Right)
                .OrderBy(r => r.Name, StringComparer.Ordinal).ToEquatableArray())
            .WithTrackingName(TrackingNames.Recipes);

        var yamlFiles = context.AdditionalTextsProvider
            .Where(static file => file.Path.EndsWith(YamlReader.Suffix, StringComparison.OrdinalIgnoreCase))
            .Select(YamlReader.Read)
            .WithTrackingName(TrackingNames.YamlFiles);
        var yamlExperiments = yamlFiles.Combine(recipes)
            .Select(static (pair, _) => YamlExperimentBinder.Bind(pair.Left, pair.Right))
            .WithTrackingName(TrackingNames.YamlExperiments);

        // Diagnostics go out per input, so that a file's mistakes are reported even when nothing else changes.
        context.RegisterSourceOutput(classes, static (output, result) => Report(output, result.Diagnostics));
        context.RegisterSourceOutput(sourceRecipes, static (output, result) => Report(output, result.Diagnostics));
        context.RegisterSourceOutput(yamlExperiments, static (output, result) => Report(output, result.Diagnostics));

        var experiments = classes.Collect().Combine(yamlExperiments.Collect())
            .Select(static (pair, _) => pair.Left.Concat(pair.Right).Select(r => r.Model).OfType<ExperimentModel>().ToEquatableArray())
            .WithTrackingName(TrackingNames.Experiments);

        var userEntryPoint = context.SyntaxProvider
            .CreateSyntaxProvider(static (node, _) => IsEntryPoint(node), static (_, _) => true)
            .Collect()
            .Select(static (found, _) => found.Length > 0)
            .WithTrackingName(TrackingNames.UserEntryPoint);

        context.RegisterSourceOutput(experiments.Combine(environment).Combine(userEntryPoint),
            static (output, input) => Emit(output, input.Left.Left, input.Left.Right, input.Right));
    }

    // Top-level statements or a static Main: the project has its own entry point.
    static bool IsEntryPoint(SyntaxNode node) =>
        node is GlobalStatementSyntax
        || node is MethodDeclarationSyntax { Identifier.ValueText: "Main" } method && method.Modifiers.Any(SyntaxKind.StaticKeyword);

    static void Report(SourceProductionContext output, EquatableArray<DiagnosticInfo> diagnostics)
    {
        foreach (var diagnostic in diagnostics) output.ReportDiagnostic(diagnostic.ToDiagnostic());
    }

    static void Emit(SourceProductionContext output, EquatableArray<ExperimentModel> experiments, GenerationEnvironment environment, bool userEntryPoint)
    {
        if (!environment.HasExperimentLibrary) return;

        // Sources are ordered by file so that "the first" of a duplicate and the reported ones are stable.
        var kept = new List<ExperimentModel>();
        ExperimentModel? firstDefault = null;
        foreach (var experiment in experiments.OrderBy(e => e.NameLocation?.FilePath, StringComparer.Ordinal).ThenBy(e => e.NameLocation?.Span.Start))
        {
            var original = kept.FirstOrDefault(k => k.Name == experiment.Name);
            if (original is not null)
            {
                output.ReportDiagnostic(new DiagnosticInfo(DiagnosticDescriptors.DuplicateName,
                    $"experiment name '{experiment.Name}' is already used by {original.Source}; names must be unique", experiment.NameLocation).ToDiagnostic());
                continue;
            }
            if (experiment.IsDefault)
            {
                if (firstDefault is not null)
                    output.ReportDiagnostic(new DiagnosticInfo(DiagnosticDescriptors.SeveralDefaults,
                        $"'{experiment.Name}' and '{firstDefault.Name}' ({firstDefault.Source}) are both marked default; keep one", experiment.DefaultLocation).ToDiagnostic());
                else firstDefault = experiment;
            }
            kept.Add(experiment);
        }

        var sorted = kept.OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
        foreach (var experiment in sorted)
            output.AddSource($"{experiment.Name}.experiment.g.cs", ExperimentEmitter.Emit(experiment));
        output.AddSource("ExperimentRegistry.g.cs", RegistryEmitter.Registry(sorted));
        if (environment.IsExecutable && !userEntryPoint)
            output.AddSource("ExperimentProgram.g.cs", RegistryEmitter.EntryPoint);
    }
}

/// <summary>What the compilation offers: the experiment library (else nothing is generated) and an executable output.</summary>
internal sealed record GenerationEnvironment(bool HasExperimentLibrary, bool IsExecutable);
