using Microsoft.CodeAnalysis;

namespace LlmLab.Generators.Model;

/// <summary>A diagnostic to report later, as equatable values (descriptors compare by value).</summary>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, string Message, LocationInfo? Location)
{
    public Diagnostic ToDiagnostic() => Diagnostic.Create(Descriptor, Location?.ToLocation() ?? Microsoft.CodeAnalysis.Location.None, Message);
}
