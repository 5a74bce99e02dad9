using System.Collections.Generic;
using LlmLab.Generators.Model;

namespace LlmLab.Generators.Parsing;

/// <summary>Checks one profile setting or YAML value against the parameters it may set.</summary>
internal static class ProfileSettings
{
    /// <summary>A [Profile] "Key=value" setting: its resolved key and canonical value, or null after reporting why not.</summary>
    public static Setting? Check(
        string profile, string owner, string text, IReadOnlyList<ParamModel> parameters, IReadOnlyList<string> names,
        LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        var equals = text.IndexOf('=');
        if (equals <= 0 || text.Substring(0, equals).Trim().Length == 0)
        {
            diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.BadProfile, $"{profile}: setting '{text}' is not Key=value", location));
            return null;
        }
        return Check(profile, owner, text.Substring(0, equals).Trim(), location, text.Substring(equals + 1), location, parameters, names, diagnostics);
    }

    /// <summary>A key and its value text, each with the position to report a mistake at.</summary>
    public static Setting? Check(
        string context, string owner, string key, LocationInfo? keyLocation, string value, LocationInfo? valueLocation,
        IReadOnlyList<ParamModel> parameters, IReadOnlyList<string> names, List<DiagnosticInfo> diagnostics)
    {
        var index = KeyRules.IndexOf(names, key);
        if (index < 0)
        {
            diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.UnknownKey, $"{context}: {KeyRules.UnknownKeyMessage(owner, key, names)}", keyLocation));
            return null;
        }
        var param = parameters[index];
        var checkedValue = ValueCheck.Check(param, value);
        if (!checkedValue.IsValid)
        {
            diagnostics.Add(new DiagnosticInfo(checkedValue.Error!, $"{context}: {checkedValue.Message}", valueLocation));
            return null;
        }
        return new Setting(param.Name, checkedValue.Canonical);
    }
}
