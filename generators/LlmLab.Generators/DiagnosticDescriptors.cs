using Microsoft.CodeAnalysis;

namespace LlmLab.Generators;

/// <summary>
/// The build errors of experiment declarations. Each message is composed where the mistake is found and names
/// the key, the value and what was expected; all are errors, so a mistake fails <c>dotnet build</c>.
/// </summary>
internal static class DiagnosticDescriptors
{
    const string Category = "LlmLab.Experiments";

    public static readonly DiagnosticDescriptor UnknownKey = Error("LLMLAB001", "Unknown key");
    public static readonly DiagnosticDescriptor WrongType = Error("LLMLAB002", "Value of the wrong type");
    public static readonly DiagnosticDescriptor OutOfRange = Error("LLMLAB003", "Value out of range or not among the choices");
    public static readonly DiagnosticDescriptor MissingValue = Error("LLMLAB004", "Missing required value");
    public static readonly DiagnosticDescriptor UnknownRecipe = Error("LLMLAB005", "Unknown recipe");
    public static readonly DiagnosticDescriptor DuplicateName = Error("LLMLAB006", "Duplicate experiment name");
    public static readonly DiagnosticDescriptor MalformedYaml = Error("LLMLAB007", "Malformed YAML");
    public static readonly DiagnosticDescriptor BadParam = Error("LLMLAB008", "Misused [Param]");
    public static readonly DiagnosticDescriptor BadExperiment = Error("LLMLAB009", "Misused [Experiment] or [Step]");
    public static readonly DiagnosticDescriptor BadName = Error("LLMLAB010", "Bad experiment name");
    public static readonly DiagnosticDescriptor BadProfile = Error("LLMLAB011", "Bad profile");
    public static readonly DiagnosticDescriptor SeveralDefaults = Error("LLMLAB012", "More than one default experiment");
    public static readonly DiagnosticDescriptor BadRecipe = Error("LLMLAB013", "Misused [Recipe]");

    static DiagnosticDescriptor Error(string id, string title) =>
        new(id, title, "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
}
