using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using LlmLab.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LlmLab.Generators.Parsing;

/// <summary>
/// Turns an [Experiment] class into an <see cref="ExperimentModel"/>: its name and flags, [Param] properties,
/// [Profile] settings (checked like YAML values) and its Run method or [Step] methods. A class with any mistake
/// yields diagnostics and no model, so that the build fails on the mistake and not on generated code.
/// </summary>
internal static class ExperimentClassParser
{
    public const string ExperimentAttributeName = "LlmLab.Experiments.ExperimentAttribute";
    const string ProfileAttributeName = "LlmLab.Experiments.ProfileAttribute";
    const string StepAttributeName = "LlmLab.Experiments.StepAttribute";
    const string ContextName = "LlmLab.Experiments.ExperimentContext";

    public static Result<ExperimentModel> Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellation)
    {
        var diagnostics = new List<DiagnosticInfo>();
        var type = (INamedTypeSymbol)context.TargetSymbol;
        var typeLocation = LocationInfo.From(type.Locations.FirstOrDefault());
        try
        {
            var model = Parse(context, type, typeLocation, diagnostics, cancellation);
            return new Result<ExperimentModel>(diagnostics.Count == 0 ? model : null, diagnostics.ToEquatableArray());
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.BadExperiment,
                $"[Experiment] {type.Name}: the generator failed on this class: {exception.GetType().Name}: {exception.Message}", typeLocation));
            return new Result<ExperimentModel>(null, diagnostics.ToEquatableArray());
        }
    }

    static ExperimentModel? Parse(
        GeneratorAttributeSyntaxContext context, INamedTypeSymbol type, LocationInfo? typeLocation, List<DiagnosticInfo> diagnostics, CancellationToken cancellation)
    {
        var compilation = context.SemanticModel.Compilation;
        var paramAttribute = compilation.GetTypeByMetadataName(ParamParser.ParamAttributeName);
        var contextType = compilation.GetTypeByMetadataName(ContextName);
        if (paramAttribute is null || contextType is null) return null;

        var attribute = context.Attributes[0];
        var attributeSyntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellation) as AttributeSyntax;
        var arguments = attributeSyntax?.ArgumentList?.Arguments ?? default;
        var attributeLocation = LocationInfo.From(attributeSyntax) ?? typeLocation;

        var name = attribute.ConstructorArguments.Length > 0 ? attribute.ConstructorArguments[0].Value as string : null;
        var nameLocation = arguments.Count > 0 ? LocationInfo.From(arguments[0]) : attributeLocation;
        if (!Names.IsValid(name))
            diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.BadName, Names.BadNameMessage("experiment name", name), nameLocation));

        string? description = null;
        var isDefault = false;
        foreach (var named in attribute.NamedArguments)
        {
            if (named.Key == "Description") description = named.Value.Value as string;
            else if (named.Key == "IsDefault") isDefault = named.Value.Value is true;
        }
        var defaultLocation = isDefault
            ? LocationInfo.From(arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == "IsDefault")) ?? attributeLocation
            : null;

        CheckClass(type, typeLocation, diagnostics);
        var parameters = ParamParser.Read(type, paramAttribute, requiredAllowed: false, diagnostics, cancellation);
        var steps = ReadSteps(type, compilation, contextType, typeLocation, diagnostics);
        var profiles = ReadProfiles(type, compilation, name ?? "", parameters, diagnostics, cancellation);

        return new ExperimentModel(
            name ?? "",
            description,
            Path.GetFileName(context.TargetNode.SyntaxTree.FilePath),
            isDefault,
            null,
            type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
            parameters.ToEquatableArray(),
            EquatableArray<ParamValue>.Empty,
            profiles.ToEquatableArray(),
            steps.ToEquatableArray(),
            null,
            nameLocation,
            defaultLocation);
    }

    static void CheckClass(INamedTypeSymbol type, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        void Problem(string message) =>
            diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.BadExperiment, $"[Experiment] {type.Name}: {message}", location));

        if (type.IsAbstract || type.IsStatic) Problem("an experiment class cannot be abstract or static");
        if (type.IsGenericType) Problem("an experiment class cannot be generic");
        for (var t = type; t is not null; t = t.ContainingType)
            if (t.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
                Problem($"{t.Name} must be public or internal so that the generated registry can create it");
        if (!type.InstanceConstructors.Any(c => c.Parameters.Length == 0 && c.DeclaredAccessibility is Accessibility.Public or Accessibility.Internal))
            Problem("it needs a public parameterless constructor");
        foreach (var member in RequiredMembers(type).Where(m => !m.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == ParamParser.ParamAttributeName)))
            Problem($"its required member {member.Name} has no value the generated code could give; initialise it instead");
    }

    /// <summary>The members an object initializer must set, the base types' included.</summary>
    public static IEnumerable<ISymbol> RequiredMembers(INamedTypeSymbol type)
    {
        for (var t = type; t is not null; t = t.BaseType)
            foreach (var member in t.GetMembers())
                if (member is IPropertySymbol { IsRequired: true } or IFieldSymbol { IsRequired: true })
                    yield return member;
    }

    static List<StepModel> ReadSteps(
        INamedTypeSymbol type, Compilation compilation, INamedTypeSymbol contextType, LocationInfo? typeLocation, List<DiagnosticInfo> diagnostics)
    {
        var stepAttribute = compilation.GetTypeByMetadataName(StepAttributeName);
        var steps = new List<(int Order, StepModel Step, IMethodSymbol Method)>();
        var badSteps = false;
        foreach (var method in type.GetMembers().OfType<IMethodSymbol>())
        {
            var attribute = method.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, stepAttribute));
            if (attribute is null) continue;
            var order = attribute.ConstructorArguments.Length > 0 && attribute.ConstructorArguments[0].Value is int o ? o : 0;
            var title = attribute.NamedArguments.FirstOrDefault(a => a.Key == "Name").Value.Value as string ?? Names.Words(method.Name);
            var location = LocationInfo.From(method.Locations.FirstOrDefault());
            if (!IsStepSignature(method, contextType))
            {
                badSteps = true;
                diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.BadExperiment,
                    $"[Step] {type.Name}.{method.Name}: a step must be 'public void {method.Name}(ExperimentContext context)'", location));
            }
            else if (steps.FirstOrDefault(s => s.Order == order) is { Method: not null } clash)
            {
                badSteps = true;
                diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.BadExperiment,
                    $"[Step] {type.Name}.{method.Name}: order {order} is already taken by {clash.Method.Name}", location));
            }
            else steps.Add((order, new StepModel(title, method.Name), method));
        }

        var run = type.GetMembers("Run").OfType<IMethodSymbol>().FirstOrDefault(m => IsStepSignature(m, contextType));
        if (steps.Count > 0 && run is not null)
            diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.BadExperiment,
                $"[Experiment] {type.Name}: it has both a Run method and [Step] methods; keep one", typeLocation));
        if (steps.Count == 0 && run is null && !badSteps)
            diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.BadExperiment,
                $"[Experiment] {type.Name}: it needs a 'public void Run(ExperimentContext context)' method or [Step] methods", typeLocation));

        return run is not null && steps.Count == 0
            ? new List<StepModel> { new StepModel("run", "Run") }
            : steps.OrderBy(s => s.Order).Select(s => s.Step).ToList();
    }

    static bool IsStepSignature(IMethodSymbol method, INamedTypeSymbol contextType) =>
        !method.IsStatic && method.ReturnsVoid && !method.IsGenericMethod
        && method.DeclaredAccessibility is Accessibility.Public or Accessibility.Internal
        && method.Parameters.Length == 1 && SymbolEqualityComparer.Default.Equals(method.Parameters[0].Type, contextType);

    static List<ProfileModel> ReadProfiles(
        INamedTypeSymbol type, Compilation compilation, string experiment, List<ParamModel> parameters,
        List<DiagnosticInfo> diagnostics, CancellationToken cancellation)
    {
        var profileAttribute = compilation.GetTypeByMetadataName(ProfileAttributeName);
        var names = parameters.Select(p => p.Name).ToList();
        var profiles = new List<ProfileModel>();
        foreach (var attribute in type.GetAttributes())
        {
            if (!SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, profileAttribute)) continue;
            var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellation) as AttributeSyntax;
            var arguments = syntax?.ArgumentList?.Arguments ?? default;
            var attributeLocation = LocationInfo.From(syntax);
            var name = attribute.ConstructorArguments.Length > 0 ? attribute.ConstructorArguments[0].Value as string : null;
            var settingsConstant = attribute.ConstructorArguments.Length > 1 ? attribute.ConstructorArguments[1] : default;
            var texts = settingsConstant.Kind == TypedConstantKind.Array ? settingsConstant.Values.Select(v => v.Value as string ?? "").ToList() : new List<string>();
            // Settings written one per argument point at their own argument; an explicit array at the attribute.
            LocationInfo? SettingLocation(int i) => arguments.Count == texts.Count + 1 ? LocationInfo.From(arguments[i + 1]) : attributeLocation;

            if (string.IsNullOrWhiteSpace(name) || profiles.Any(p => p.Name == name))
            {
                diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.BadProfile,
                    string.IsNullOrWhiteSpace(name) ? "a profile needs a name" : $"profile '{name}' is declared twice",
                    arguments.Count > 0 ? LocationInfo.From(arguments[0]) : attributeLocation));
                continue;
            }

            var settings = new List<Setting>();
            for (var i = 0; i < texts.Count; i++)
            {
                var setting = ProfileSettings.Check(
                    $"profile '{name}'", $"experiment '{experiment}'", texts[i], parameters, names, SettingLocation(i), diagnostics);
                if (setting is not null) settings.Add(setting);
            }
            profiles.Add(new ProfileModel(name!, settings.ToEquatableArray()));
        }
        return profiles;
    }
}
