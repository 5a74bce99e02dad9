using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace LlmLab.Generators.Model;

/// <summary>
/// Where a diagnostic points, as plain values (a Location holds its syntax tree, which would defeat caching).
/// Works for C# files and for additional files such as YAML alike.
/// </summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);

    public static LocationInfo? From(Location? location) =>
        location is null || location.SourceTree is null
            ? null
            : new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);

    public static LocationInfo? From(SyntaxNode? node) => From(node?.GetLocation());

    public static LocationInfo? From(SyntaxReference? reference) => reference is null ? null : From(reference.GetSyntax());
}
