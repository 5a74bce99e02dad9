using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using LlmLab.Generators.Model;
using Microsoft.CodeAnalysis;

namespace LlmLab.Generators.Parsing;

/// <summary>
/// Reads the [Param] properties of an experiment class or a recipe's config record (base types' first), and
/// reports each misuse at its property: no public getter and setter/init, an unsupported type, Min or Max on a
/// non-number, Min above Max, Choices on a non-string.
/// </summary>
internal static class ParamParser
{
    public const string ParamAttributeName = "LlmLab.Experiments.ParamAttribute";

    /// <param name="requiredAllowed">Recipe records may have required members (YAML must set them); experiments may not.</param>
    public static List<ParamModel> Read(
        INamedTypeSymbol type, INamedTypeSymbol paramAttribute, bool requiredAllowed, List<DiagnosticInfo> diagnostics, CancellationToken cancellation)
    {
        var chain = new List<INamedTypeSymbol>();
        for (var t = type; t is not null && t.SpecialType != SpecialType.System_Object; t = t.BaseType) chain.Insert(0, t);

        var parameters = new List<ParamModel>();
        foreach (var declaring in chain)
        {
            foreach (var property in declaring.GetMembers().OfType<IPropertySymbol>())
            {
                cancellation.ThrowIfCancellationRequested();
                var attribute = property.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, paramAttribute));
                if (attribute is null) continue;
                var param = Read(property, attribute, requiredAllowed, diagnostics);
                if (param is null) continue;
                // A derived type's property hides the base type's of the same name.
                var hidden = parameters.FindIndex(p => p.Name == param.Name);
                if (hidden >= 0)
                {
                    parameters[hidden] = param;
                    continue;
                }
                // Keys match ignoring case, '_' and '-': two that differ only so could never both be set.
                var clash = parameters.FirstOrDefault(p => KeyRules.Matches(p.Name, param.Name));
                if (clash is not null)
                    diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.BadParam,
                        $"[Param] {type.Name}.{param.Name}: its key is the same as {clash.Name}'s (keys ignore case, '_' and '-')",
                        LocationInfo.From(property.Locations.FirstOrDefault())));
                else parameters.Add(param);
            }
        }
        return parameters;
    }

    static ParamModel? Read(IPropertySymbol property, AttributeData attribute, bool requiredAllowed, List<DiagnosticInfo> diagnostics)
    {
        var problems = new List<string>();
        var type = property.Type;
        var kind = KindOf(type);
        if (kind is null) problems.Add($"its type {type.ToDisplayString()} is not supported; use int, long, ulong, float, double, bool, string or an enum");
        if (property.IsStatic) problems.Add("it must be an instance property");
        if (property.IsIndexer) problems.Add("an indexer cannot be a parameter");
        if (property.GetMethod is not { DeclaredAccessibility: Accessibility.Public })
            problems.Add("it needs a public getter (the default is read from a fresh instance)");
        if (property.SetMethod is not { DeclaredAccessibility: Accessibility.Public })
            problems.Add("it needs a public set or init accessor");
        if (property.IsRequired && !requiredAllowed)
            problems.Add("an experiment's parameter needs a default value instead of 'required'");

        string? description = null;
        double? min = null, max = null;
        var choices = new List<string>();
        var choicesGiven = false;
        foreach (var named in attribute.NamedArguments)
        {
            switch (named.Key)
            {
                case "Description": description = named.Value.Value as string; break;
                case "Min": min = Bound(named.Value); break;
                case "Max": max = Bound(named.Value); break;
                case "Choices":
                    choicesGiven = !named.Value.IsNull;
                    if (choicesGiven) choices.AddRange(named.Value.Values.Select(v => v.Value as string ?? ""));
                    break;
            }
        }

        var numeric = kind is ParamKind.Int32 or ParamKind.Int64 or ParamKind.UInt64 or ParamKind.Single or ParamKind.Double;
        if (kind is not null && !numeric && (min is not null || max is not null)) problems.Add("Min and Max apply to numbers only");
        if (min is double lo && max is double hi && lo > hi) problems.Add($"Min ({lo}) is greater than Max ({hi})");
        if (choicesGiven && kind is not null && kind != ParamKind.String)
            problems.Add(kind == ParamKind.Enum ? "an enum's choices are its members; remove Choices" : "Choices apply to strings only");
        if (choicesGiven && kind == ParamKind.String && choices.Count == 0) problems.Add("Choices is empty");

        if (problems.Count > 0)
        {
            diagnostics.Add(new DiagnosticInfo(
                DiagnosticDescriptors.BadParam,
                $"[Param] {property.ContainingType.Name}.{property.Name}: {string.Join("; ", problems)}",
                LocationInfo.From(property.Locations.FirstOrDefault())));
            return null;
        }

        if (kind == ParamKind.Enum)
        {
            choices.Clear();
            choices.AddRange(type.GetMembers().OfType<IFieldSymbol>().Where(f => f.HasConstantValue).Select(f => f.Name));
        }
        return new ParamModel(
            property.Name,
            kind!.Value,
            kind == ParamKind.Enum ? type.Name : type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(),
            type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
            description,
            min,
            max,
            choices.ToEquatableArray(),
            property.IsRequired);
    }

    static ParamKind? KindOf(ITypeSymbol type)
    {
        switch (type.SpecialType)
        {
            case SpecialType.System_Int32: return ParamKind.Int32;
            case SpecialType.System_Int64: return ParamKind.Int64;
            case SpecialType.System_UInt64: return ParamKind.UInt64;
            case SpecialType.System_Single: return ParamKind.Single;
            case SpecialType.System_Double: return ParamKind.Double;
            case SpecialType.System_Boolean: return ParamKind.Boolean;
            case SpecialType.System_String: return ParamKind.String;
        }
        return type.TypeKind == TypeKind.Enum ? ParamKind.Enum : null;
    }

    // NaN, the attribute's default, means no bound.
    static double? Bound(TypedConstant constant) =>
        constant.Value is double value && !double.IsNaN(value) ? value : null;
}
