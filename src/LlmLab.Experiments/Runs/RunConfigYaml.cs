using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace LlmLab.Experiments;

/// <summary>
/// config.yaml: experiment, seed, backend, profile and a <c>parameters</c> mapping in declaration order. Values are
/// the canonical text the binder produced; strings that would not read back as the same text are quoted.
/// </summary>
public static class RunConfigYaml
{
    public static string Write(RunConfig config)
    {
        var parameters = new YamlMappingNode();
        foreach (var (key, value) in config.Parameters)
            parameters.Add(new YamlScalarNode(key), Scalar(value));

        var root = new YamlMappingNode
        {
            { "experiment", Scalar(config.Experiment) },
            { "seed", new YamlScalarNode(config.Seed.ToString(CultureInfo.InvariantCulture)) },
            { "backend", Scalar(config.Backend) },
            { "profile", config.Profile is null ? new YamlScalarNode("null") : Scalar(config.Profile) },
            { "parameters", parameters },
        };
        var writer = new StringWriter { NewLine = "\n" };
        new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
        // YamlStream ends every document with "...": not wanted in a file a person reads.
        string text = writer.ToString();
        if (text.EndsWith("...\n", StringComparison.Ordinal)) text = text[..^4];
        return text;
    }

    /// <summary>Reads config.yaml; a missing key or malformed file is an <see cref="ExperimentConfigException"/> naming the file.</summary>
    public static RunConfig Read(string path)
    {
        if (!File.Exists(path)) throw new ExperimentConfigException($"{path} does not exist: not a run folder");
        YamlMappingNode root;
        try
        {
            var stream = new YamlStream();
            using (var reader = new StreamReader(path)) stream.Load(reader);
            root = stream.Documents.Count == 1 && stream.Documents[0].RootNode is YamlMappingNode mapping
                ? mapping
                : throw new ExperimentConfigException($"{path}: expected one mapping of experiment, seed, backend, profile and parameters");
        }
        catch (YamlException e)
        {
            throw new ExperimentConfigException($"{path}({e.Start.Line},{e.Start.Column}): {e.Message}");
        }

        string Text(string key) => root.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlScalarNode { Value: { } value }
            ? value
            : throw new ExperimentConfigException($"{path}: '{key}' is missing");

        if (!ulong.TryParse(Text("seed"), NumberStyles.None, CultureInfo.InvariantCulture, out ulong seed))
            throw new ExperimentConfigException($"{path}: seed '{Text("seed")}' is not a whole number");

        string? profile = root.Children.TryGetValue(new YamlScalarNode("profile"), out var profileNode)
            && profileNode is YamlScalarNode { Value: { } p } scalar
            && !(scalar.Style == YamlDotNet.Core.ScalarStyle.Plain && p is "null" or "~" or "")
            ? p
            : null;

        var parameters = new List<KeyValuePair<string, string>>();
        if (root.Children.TryGetValue(new YamlScalarNode("parameters"), out var parametersNode) && parametersNode is YamlMappingNode map)
            foreach (var (key, value) in map.Children)
                parameters.Add(new(((YamlScalarNode)key).Value ?? "", (value as YamlScalarNode)?.Value
                    ?? throw new ExperimentConfigException($"{path}({value.Start.Line},{value.Start.Column}): parameter '{key}' must be a single value")));

        return new RunConfig(Text("experiment"), seed, Text("backend"), profile, parameters);
    }

    // Plain where that reads back as the same string; quoted where YAML would see a null, a number-looking oddity,
    // an empty value or special characters.
    private static YamlScalarNode Scalar(string value) => new(value)
    {
        Style = value.Length == 0 || value is "null" or "~" || value.Trim() != value || value.IndexOfAny([':', '#', '\'', '"', '\n', '{', '}', '[', ']', ',', '&', '*', '!', '|', '>', '%', '@', '`']) >= 0
            || value.StartsWith('-') && !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
            || value.StartsWith('?')
            ? ScalarStyle.DoubleQuoted
            : ScalarStyle.Plain,
    };
}
