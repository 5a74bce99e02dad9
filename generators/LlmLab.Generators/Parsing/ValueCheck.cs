using System;
using System.Globalization;
using System.Linq;
using LlmLab.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LlmLab.Generators.Parsing
{
    /// <summary>A value text checked against its parameter: its canonical text and C# literal, or why it is wrong.</summary>
    internal sealed record CheckedValue(string Canonical, string Literal, DiagnosticDescriptor? Error, string? Message)
    {
        public bool IsValid => Error is null;
    }

    /// <summary>
    /// Checks a YAML or profile value at build time by the rules LlmLab.Experiments.ParameterParsing applies at run
    /// time (same number styles, same messages; a test holds the two to the same answers), and turns it into the
    /// canonical text and the C# literal the generated code uses.
    /// </summary>
    internal static class ValueCheck
    {
        static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

        public static CheckedValue Check(ParamModel param, string text)
        {
            switch (param.Kind)
            {
                case ParamKind.Int32:
                    return int.TryParse(text, NumberStyles.Integer, Invariant, out var i)
                        ? InRange(param, text, i, i.ToString(Invariant), i.ToString(Invariant))
                        : NotA(param, text, "an int (a whole number from -2147483648 to 2147483647)");
                case ParamKind.Int64:
                    return long.TryParse(text, NumberStyles.Integer, Invariant, out var l)
                        ? InRange(param, text, l, l.ToString(Invariant), l.ToString(Invariant) + "L")
                        : NotA(param, text, "a long (a whole number)");
                case ParamKind.UInt64:
                    return ulong.TryParse(text, NumberStyles.Integer, Invariant, out var u)
                        ? InRange(param, text, u, u.ToString(Invariant), u.ToString(Invariant) + "UL")
                        : NotA(param, text, "a ulong (a whole number, 0 or more)");
                case ParamKind.Single:
                    return float.TryParse(text, NumberStyles.Float, Invariant, out var f)
                        ? InRange(param, text, f, f.ToString("R", Invariant), SingleLiteral(f))
                        : NotA(param, text, "a float (a number such as 0.5 or 1e-3)");
                case ParamKind.Double:
                    return double.TryParse(text, NumberStyles.Float, Invariant, out var d)
                        ? InRange(param, text, d, d.ToString("R", Invariant), DoubleLiteral(d))
                        : NotA(param, text, "a double (a number such as 0.5 or 1e-3)");
                case ParamKind.Boolean:
                    switch (text.Trim().ToLowerInvariant())
                    {
                        case "true": return Valid("true", "true");
                        case "false": return Valid("false", "false");
                        default: return NotA(param, text, "a bool (true or false)");
                    }
                case ParamKind.String:
                    return param.Choices.Count > 0 && !param.Choices.Contains(text)
                        ? Invalid(DiagnosticDescriptors.OutOfRange, NotAChoiceMessage(param.Name, text, param.Choices))
                        : Valid(text, SymbolDisplay.FormatLiteral(text, quote: true));
                default:
                    var trimmed = text.Trim();
                    var member = param.Choices.FirstOrDefault(n => n == trimmed)
                        ?? param.Choices.FirstOrDefault(n => string.Equals(n, trimmed, StringComparison.OrdinalIgnoreCase));
                    return member is null
                        ? Invalid(DiagnosticDescriptors.OutOfRange, NotAChoiceMessage(param.Name, trimmed, param.Choices))
                        : Valid(member, param.FullTypeName + "." + member);
            }
        }

        public static string NotAChoiceMessage(string key, string value, EquatableArray<string> choices)
        {
            var closest = choices.FirstOrDefault(c => string.Equals(c, value, StringComparison.OrdinalIgnoreCase))
                ?? KeyMatch.Closest(value, choices);
            return $"{key}: '{value}' is not one of {string.Join(", ", choices)}" + (closest is null ? "" : $"; did you mean {closest}?");
        }

        public static string RangeText(double? min, double? max)
        {
            if (min is double lo && max is double hi) return $"{Number(lo)} to {Number(hi)}";
            if (min is double atLeast) return $"at least {Number(atLeast)}";
            if (max is double atMost) return $"at most {Number(atMost)}";
            return "any value";
        }

        static CheckedValue InRange(ParamModel param, string text, double value, string canonical, string literal)
        {
            if (param.Min is null && param.Max is null) return Valid(canonical, literal);
            var inside = !double.IsNaN(value) && !(param.Min is double min && value < min) && !(param.Max is double max && value > max);
            return inside
                ? Valid(canonical, literal)
                : Invalid(DiagnosticDescriptors.OutOfRange, $"{param.Name}: {text.Trim()} is out of range; expected {RangeText(param.Min, param.Max)}");
        }

        static string SingleLiteral(float value) =>
            float.IsNaN(value) ? "float.NaN"
            : float.IsPositiveInfinity(value) ? "float.PositiveInfinity"
            : float.IsNegativeInfinity(value) ? "float.NegativeInfinity"
            : value.ToString("R", Invariant) + "F";

        static string DoubleLiteral(double value) =>
            double.IsNaN(value) ? "double.NaN"
            : double.IsPositiveInfinity(value) ? "double.PositiveInfinity"
            : double.IsNegativeInfinity(value) ? "double.NegativeInfinity"
            : value.ToString("R", Invariant) + "D";

        static string Number(double value) => value.ToString("R", Invariant);

        static CheckedValue Valid(string canonical, string literal) => new(canonical, literal, null, null);

        static CheckedValue Invalid(DiagnosticDescriptor error, string message) => new("", "", error, message);

        static CheckedValue NotA(ParamModel param, string text, string expected) =>
            Invalid(DiagnosticDescriptors.WrongType, $"{param.Name}: '{text}' is not {expected}");
    }
}
