using LlmLab.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LlmLab.Generators.Parsing;

/// <summary>A value text checked against its parameter: its canonical text and C# literal, or why it is wrong.</summary>
internal sealed record CheckedValue(string Canonical, string Literal, DiagnosticDescriptor? Error, string? Message)
{
    public bool IsValid => Error is null;
}

/// <summary>
/// Checks a YAML or profile value at build time by <see cref="ValueRules"/>, the one copy of the rules that
/// LlmLab.Experiments.ParameterParsing applies at run time (same number styles, same messages), and turns it
/// into the canonical text and the C# literal the generated code uses.
/// </summary>
internal static class ValueCheck
{
    public static CheckedValue Check(ParamModel param, string text)
    {
        switch (param.Kind)
        {
            case ParamKind.Int32:
                return Result(ValueRules.ParseInt32(param.Name, text, param.Min, param.Max, out var i), ValueRules.Format(i), ValueRules.Format(i));
            case ParamKind.Int64:
                return Result(ValueRules.ParseInt64(param.Name, text, param.Min, param.Max, out var l), ValueRules.Format(l), ValueRules.Format(l) + "L");
            case ParamKind.UInt64:
                return Result(ValueRules.ParseUInt64(param.Name, text, param.Min, param.Max, out var u), ValueRules.Format(u), ValueRules.Format(u) + "UL");
            case ParamKind.Single:
                return Result(ValueRules.ParseSingle(param.Name, text, param.Min, param.Max, out var f), ValueRules.Format(f), SingleLiteral(f));
            case ParamKind.Double:
                return Result(ValueRules.ParseDouble(param.Name, text, param.Min, param.Max, out var d), ValueRules.Format(d), DoubleLiteral(d));
            case ParamKind.Boolean:
                return Result(ValueRules.ParseBoolean(param.Name, text, out var b), ValueRules.Format(b), ValueRules.Format(b));
            case ParamKind.String:
                return Result(ValueRules.CheckChoice(param.Name, text, param.Choices), text, SymbolDisplay.FormatLiteral(text, quote: true));
            default:
                return Result(ValueRules.ParseMember(param.Name, text, param.Choices, out var member), member, param.FullTypeName + "." + member);
        }
    }

    static CheckedValue Result(ValueError? error, string canonical, string literal) =>
        error is null
            ? new CheckedValue(canonical, literal, null, null)
            : new CheckedValue("", "", error.Problem == ValueProblem.WrongType ? DiagnosticDescriptors.WrongType : DiagnosticDescriptors.OutOfRange, error.Message);

    static string SingleLiteral(float value) =>
        float.IsNaN(value) ? "float.NaN"
        : float.IsPositiveInfinity(value) ? "float.PositiveInfinity"
        : float.IsNegativeInfinity(value) ? "float.NegativeInfinity"
        : ValueRules.Format(value) + "F";

    static string DoubleLiteral(double value) =>
        double.IsNaN(value) ? "double.NaN"
        : double.IsPositiveInfinity(value) ? "double.PositiveInfinity"
        : double.IsNegativeInfinity(value) ? "double.NegativeInfinity"
        : ValueRules.Format(value) + "D";
}
