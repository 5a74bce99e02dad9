using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using LlmLab.Generators.Model;
using Microsoft.CodeAnalysis;

namespace LlmLab.Generators.Parsing;

/// <summary>
/// Reads [Recipe] config records, from the compilation (mistakes reported at the record) and from referenced
/// assemblies that use LlmLab.Experiments (the library's own recipes live there), into equatable models, so that
/// checking YAML files against them stays cached while the recipes do not change.
/// </summary>
internal static class RecipeParser
{
    public const string RecipeAttributeName = "LlmLab.Experiments.RecipeAttribute";
    const string LibraryName = "LlmLab.Experiments";
    const string ContextName = "LlmLab.Experiments.ExperimentContext";

    public static Result<RecipeModel> ParseSource(GeneratorAttributeSyntaxContext context, CancellationToken cancellation)
    {
        var diagnostics = new List<DiagnosticInfo>();
        var type = (INamedTypeSymbol)context.TargetSymbol;
        try
        {
            var model = Parse(type, context.Attributes[0], context.SemanticModel.Compilation, diagnostics, cancellation);
            return new Result<RecipeModel>(model, diagnostics.ToEquatableArray());
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.BadRecipe,
                $"[Recipe] {type.Name}: the generator failed on this record: {exception.GetType().Name}: {exception.Message}",
                LocationInfo.From(type.Locations.FirstOrDefault())));
            return new Result<RecipeModel>(null, diagnostics.ToEquatableArray());
        }
    }

    public static EquatableArray<RecipeModel> FromReferences(Compilation compilation, CancellationToken cancellation)
    {
        var recipeAttribute = compilation.GetTypeByMetadataName(RecipeAttributeName);
        if (recipeAttribute is null) return EquatableArray<RecipeModel>.Empty;
        var recipes = new List<RecipeModel>();
        foreach (var assembly in compilation.SourceModule.ReferencedAssemblySymbols)
        {
            var usesLibrary = assembly.Name == LibraryName
                || assembly.Modules.Any(m => m.ReferencedAssemblies.Any(r => r.Name == LibraryName));
            if (!usesLibrary) continue;
            foreach (var type in PublicTypes(assembly.GlobalNamespace))
            {
                cancellation.ThrowIfCancellationRequested();
                var attribute = type.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, recipeAttribute));
                if (attribute is null) continue;
                try
                {
                    var model = Parse(type, attribute, compilation, new List<DiagnosticInfo>(), cancellation);
                    if (model is not null) recipes.Add(model);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    recipes.Add(new RecipeModel(attribute.ConstructorArguments[0].Value as string ?? type.Name, "", "", null,
                        EquatableArray<ParamModel>.Empty, $"the generator could not read {type.Name}: {exception.Message}"));
                }
            }
        }
        return recipes.OrderBy(r => r.Name, StringComparer.Ordinal).ToEquatableArray();
    }

    static RecipeModel? Parse(
        INamedTypeSymbol type, AttributeData attribute, Compilation compilation, List<DiagnosticInfo> diagnostics, CancellationToken cancellation)
    {
        var paramAttribute = compilation.GetTypeByMetadataName(ParamParser.ParamAttributeName);
        var contextType = compilation.GetTypeByMetadataName(ContextName);
        if (paramAttribute is null || contextType is null) return null;
        var location = LocationInfo.From(type.Locations.FirstOrDefault());

        var name = attribute.ConstructorArguments.Length > 0 ? attribute.ConstructorArguments[0].Value as string : null;
        var runner = attribute.ConstructorArguments.Length > 1 ? attribute.ConstructorArguments[1].Value as INamedTypeSymbol : null;
        var description = attribute.NamedArguments.FirstOrDefault(a => a.Key == "Description").Value.Value as string;

        var problems = new List<string>();
        if (!Names.IsValid(name)) problems.Add(Names.BadNameMessage("the recipe name", name));
        if (!type.IsRecord || type.TypeKind != TypeKind.Class || type.IsAbstract || type.IsGenericType)
            problems.Add("a recipe's config must be a non-abstract, non-generic record class (YAML overrides use 'with')");
        if (!type.InstanceConstructors.Any(c => c.Parameters.Length == 0 && c.DeclaredAccessibility == Accessibility.Public))
            problems.Add("it needs a public parameterless constructor: declare the settings as properties, not positional parameters");
        for (var t = type; t is not null; t = t.ContainingType)
            if (t.DeclaredAccessibility != Accessibility.Public) problems.Add($"{t.Name} must be public");
        foreach (var member in ExperimentClassParser.RequiredMembers(type)
            .Where(m => !m.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, paramAttribute))))
            problems.Add($"its required member {member.Name} must be a [Param] so that a YAML file can set it");
        var hasRun = runner is not null && runner.GetMembers("Run").OfType<IMethodSymbol>().Any(m =>
            m.IsStatic && m.ReturnsVoid && m.DeclaredAccessibility == Accessibility.Public && m.Parameters.Length == 2
            && SymbolEqualityComparer.Default.Equals(m.Parameters[0].Type, type)
            && SymbolEqualityComparer.Default.Equals(m.Parameters[1].Type, contextType));
        if (!hasRun)
            problems.Add($"its runner {runner?.Name ?? "(none)"} needs 'public static void Run({type.Name} config, ExperimentContext context)'");

        if (problems.Count > 0)
            diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.BadRecipe, $"[Recipe] {type.Name}: {string.Join("; ", problems)}", location));
        var before = diagnostics.Count;
        var parameters = ParamParser.Read(type, paramAttribute, requiredAllowed: true, diagnostics, cancellation);
        if (diagnostics.Count > before) problems.Add("some of its [Param] properties are misused");
        var problem = problems.Count == 0 ? null : string.Join("; ", problems);

        return new RecipeModel(
            name ?? "",
            type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
            runner?.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) ?? "",
            description,
            parameters.ToEquatableArray(),
            problem);
    }

    static IEnumerable<INamedTypeSymbol> PublicTypes(INamespaceSymbol root)
    {
        var namespaces = new Stack<INamespaceSymbol>();
        namespaces.Push(root);
        while (namespaces.Count > 0)
        {
            var current = namespaces.Pop();
            foreach (var child in current.GetNamespaceMembers()) namespaces.Push(child);
            var types = new Stack<INamedTypeSymbol>(current.GetTypeMembers().Where(t => t.DeclaredAccessibility == Accessibility.Public));
            while (types.Count > 0)
            {
                var type = types.Pop();
                yield return type;
                foreach (var nested in type.GetTypeMembers().Where(t => t.DeclaredAccessibility == Accessibility.Public)) types.Push(nested);
            }
        }
    }
}
