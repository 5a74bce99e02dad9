using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using LlmLab.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace LlmLab.Generators.Parsing;

/// <summary>
/// Reads a *.experiment.yaml file into a <see cref="YamlExperimentFile"/> with the position of every key and value.
/// Nothing escapes: an exception would drop all the generator's output, so every failure becomes a diagnostic.
/// </summary>
internal static class YamlReader
{
    public const string Suffix = ".experiment.yaml";
    static readonly string[] TopLevelKeys = { "name", "description", "recipe", "default", "params", "profiles" };

    public static YamlExperimentFile Read(AdditionalText file, CancellationToken cancellation)
    {
        var fileName = Path.GetFileName(file.Path);
        var fileStart = new LocationInfo(file.Path, new TextSpan(0, 0), new LinePositionSpan(LinePosition.Zero, LinePosition.Zero));
        var document = new Builder(file.Path, fileName, fileStart);
        try
        {
            var text = file.GetText(cancellation);
            if (text is null) return document.Fail(fileStart, $"{fileName} could not be read");
            return Read(text.ToString(), document);
        }
        catch (YamlException exception)
        {
            return document.Fail(document.At(exception.Start, exception.End), $"{fileName}: {Describe(exception)}");
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // YamlDotNet's scanner can throw InvalidOperationException (no position) on some malformed input,
            // e.g. an unclosed '['. Point at the last thing it did read.
            var last = LastReadEvent(file, cancellation);
            return last is null
                ? document.Fail(fileStart, $"{fileName}: the YAML cannot be read ({exception.Message})")
                : document.Fail(document.At(last.Start, last.End),
                    $"{fileName}: the YAML cannot be read past here (an unclosed '[', '{{' or quote?)");
        }
    }

    static YamlDotNet.Core.Events.ParsingEvent? LastReadEvent(AdditionalText file, CancellationToken cancellation)
    {
        YamlDotNet.Core.Events.ParsingEvent? last = null;
        try
        {
            var parser = new Parser(new StringReader(file.GetText(cancellation)?.ToString() ?? ""));
            while (parser.MoveNext())
                if (parser.Current is YamlDotNet.Core.Events.NodeEvent or YamlDotNet.Core.Events.MappingEnd or YamlDotNet.Core.Events.SequenceEnd) last = parser.Current;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
        }
        return last;
    }

    static YamlExperimentFile Read(string content, Builder document)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(content));
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            var at = stream.Documents.Count == 0 ? document.FileStart : document.At(stream.Documents[0].RootNode.Start, stream.Documents[0].RootNode.End);
            return document.Fail(at, $"{document.FileName}: expected a mapping with name:, recipe: and params:");
        }
        if (stream.Documents.Count > 1)
            return document.Fail(document.At(stream.Documents[1].RootNode.Start, stream.Documents[1].RootNode.End),
                $"{document.FileName}: one experiment a file; found a second YAML document");

        foreach (var pair in root.Children)
        {
            if (pair.Key is not YamlScalarNode keyNode || keyNode.Value is null)
            {
                document.Error(DiagnosticDescriptors.MalformedYaml, document.At(pair.Key.Start, pair.Key.End), "a key must be a plain word");
                continue;
            }
            var key = keyNode.Value;
            switch (KeyRules.Normalize(key))
            {
                case "name": document.Name = document.Scalar(keyNode, pair.Value); break;
                case "description": document.Description = document.Scalar(keyNode, pair.Value); break;
                case "recipe": document.Recipe = document.Scalar(keyNode, pair.Value); break;
                case "default": document.Default = document.Scalar(keyNode, pair.Value); break;
                case "params":
                    document.ParamsKey = document.At(keyNode.Start, keyNode.End);
                    document.Params.AddRange(document.Entries(keyNode, pair.Value));
                    break;
                case "profiles":
                    if (pair.Value is YamlMappingNode profiles)
                    {
                        foreach (var profile in profiles.Children)
                        {
                            var profileLocation = document.At(profile.Key.Start, profile.Key.End);
                            if (profile.Key is not YamlScalarNode profileName || string.IsNullOrEmpty(profileName.Value))
                            {
                                document.Error(DiagnosticDescriptors.MalformedYaml, profileLocation, "a profile name must be a plain word");
                                continue;
                            }
                            document.Profiles.Add(new YamlProfile(profileName.Value!, profileLocation,
                                document.Entries(profileName, profile.Value).ToEquatableArray()));
                        }
                    }
                    else if (!IsNull(pair.Value))
                        document.Error(DiagnosticDescriptors.WrongType, document.At(pair.Value.Start, pair.Value.End),
                            "'profiles' must be a mapping of profile names to key: value settings");
                    break;
                default:
                    var closest = KeyRules.Closest(key, TopLevelKeys);
                    document.Error(DiagnosticDescriptors.UnknownKey, document.At(keyNode.Start, keyNode.End),
                        $"an experiment file has no key '{key}'; " + (closest is null ? $"its keys are {string.Join(", ", TopLevelKeys)}" : $"did you mean {closest}?"));
                    break;
            }
        }
        return document.Build();
    }

    static bool IsNull(YamlNode node) =>
        node is YamlScalarNode scalar && scalar.Style == ScalarStyle.Plain && (scalar.Value is null || scalar.Value is "" or "~" or "null" or "Null" or "NULL");

    // "(Line: 3, Col: 9, Idx: 40) - (Line: 3, Col: 10, Idx: 41): While scanning ..." -> "While scanning ...": the position is in the location.
    static string Describe(YamlException exception)
    {
        var message = exception.Message;
        var cut = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith("(Line:", StringComparison.Ordinal) && cut > 0 ? message.Substring(cut + 3) : message;
    }

    sealed class Builder
    {
        readonly List<DiagnosticInfo> _diagnostics = new();

        public Builder(string path, string fileName, LocationInfo fileStart)
        {
            Path = path;
            FileName = fileName;
            FileStart = fileStart;
        }

        public string Path { get; }
        public string FileName { get; }
        public LocationInfo FileStart { get; }
        public YamlEntry? Name { get; set; }
        public YamlEntry? Description { get; set; }
        public YamlEntry? Recipe { get; set; }
        public YamlEntry? Default { get; set; }
        public LocationInfo? ParamsKey { get; set; }
        public List<YamlEntry> Params { get; } = new();
        public List<YamlProfile> Profiles { get; } = new();

        public LocationInfo At(Mark start, Mark end)
        {
            var startIndex = (int)Math.Max(0, start.Index);
            var endIndex = Math.Max(startIndex, (int)end.Index);
            return new LocationInfo(Path, TextSpan.FromBounds(startIndex, endIndex), new LinePositionSpan(
                new LinePosition((int)Math.Max(0, start.Line - 1), (int)Math.Max(0, start.Column - 1)),
                new LinePosition((int)Math.Max(0, end.Line - 1), (int)Math.Max(0, end.Column - 1))));
        }

        public void Error(DiagnosticDescriptor descriptor, LocationInfo location, string message) =>
            _diagnostics.Add(new DiagnosticInfo(descriptor, message, location));

        /// <summary>A key whose value must be one scalar; a list or mapping there is reported.</summary>
        public YamlEntry? Scalar(YamlScalarNode key, YamlNode value)
        {
            var keyLocation = At(key.Start, key.End);
            var valueLocation = At(value.Start, value.End);
            if (value is not YamlScalarNode scalar)
            {
                Error(DiagnosticDescriptors.WrongType, valueLocation, $"'{key.Value}' must be a single value, not a {(value is YamlSequenceNode ? "list" : "mapping")}");
                return null;
            }
            return new YamlEntry(key.Value ?? "", keyLocation, IsNull(scalar) ? null : scalar.Value, valueLocation);
        }

        /// <summary>The key: value pairs of a mapping (params, or one profile's settings).</summary>
        public IEnumerable<YamlEntry> Entries(YamlScalarNode owner, YamlNode node)
        {
            if (IsNull(node)) return Enumerable.Empty<YamlEntry>();
            if (node is not YamlMappingNode mapping)
            {
                Error(DiagnosticDescriptors.WrongType, At(node.Start, node.End), $"'{owner.Value}' must be a mapping of key: value lines");
                return Enumerable.Empty<YamlEntry>();
            }
            var entries = new List<YamlEntry>();
            foreach (var pair in mapping.Children)
            {
                if (pair.Key is not YamlScalarNode key || key.Value is null)
                {
                    Error(DiagnosticDescriptors.MalformedYaml, At(pair.Key.Start, pair.Key.End), "a key must be a plain word");
                    continue;
                }
                if (Scalar(key, pair.Value) is { } entry) entries.Add(entry);
            }
            return entries;
        }

        public YamlExperimentFile Fail(LocationInfo location, string message)
        {
            _diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.MalformedYaml, message, location));
            return Build();
        }

        public YamlExperimentFile Build() => new(
            Path, FileName, FileStart, Name, Description, Recipe, Default, ParamsKey,
            Params.ToEquatableArray(), Profiles.ToEquatableArray(), _diagnostics.ToEquatableArray());
    }
}
