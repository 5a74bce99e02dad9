using System;
using System.Collections.Generic;
using System.Linq;
using LlmLab.Generators.Model;

namespace LlmLab.Generators.Parsing;

/// <summary>
/// Checks a read YAML experiment against the recipe it names: the name, the recipe, every params and profile
/// key and value (type, range, choices) and the recipe's required values. Yields the model to emit, or only
/// diagnostics, each at the key or value it is about.
/// </summary>
internal static class YamlExperimentBinder
{
    public static Result<ExperimentModel> Bind(YamlExperimentFile document, EquatableArray<RecipeModel> recipes)
    {
        var diagnostics = new List<DiagnosticInfo>(document.Diagnostics);
        if (diagnostics.Any(d => d.Descriptor == DiagnosticDescriptors.MalformedYaml))
            return new Result<ExperimentModel>(null, diagnostics.ToEquatableArray());
        try
        {
            var model = Bind(document, recipes, diagnostics);
            return new Result<ExperimentModel>(diagnostics.Count == 0 ? model : null, diagnostics.ToEquatableArray());
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.MalformedYaml,
                $"{document.FileName}: the generator failed on this file: {exception.GetType().Name}: {exception.Message}", document.FileStart));
            return new Result<ExperimentModel>(null, diagnostics.ToEquatableArray());
        }
    }

    static ExperimentModel? Bind(YamlExperimentFile document, EquatableArray<RecipeModel> recipes, List<DiagnosticInfo> diagnostics)
    {
        var name = document.Name?.Value;
        if (name is null)
            diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.MissingValue,
                $"{document.FileName}: missing 'name': every experiment file needs one, such as 'name: pretrain-small'", document.Name?.ValueLocation ?? document.FileStart));
        else if (!Names.IsValid(name))
            diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.BadName, Names.BadNameMessage("experiment name", name), document.Name!.ValueLocation));

        var isDefault = false;
        if (document.Default is { } defaultEntry)
        {
            // A bool by the rule parameters follow ("default: 'x' is not a bool (true or false)").
            if (ValueRules.ParseBoolean("default", defaultEntry.Value ?? "", out isDefault) is { } error)
                diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.WrongType, error.Message, defaultEntry.ValueLocation));
        }

        var recipe = FindRecipe(document, recipes, diagnostics);
        if (recipe is null) return null;

        var owner = $"recipe '{recipe.Name}'";
        var names = recipe.Parameters.Select(p => p.Name).ToList();
        var values = new List<ParamValue>();
        foreach (var entry in document.Params)
        {
            var index = KeyRules.IndexOf(names, entry.Key);
            if (index < 0)
            {
                diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.UnknownKey, $"params: {KeyRules.UnknownKeyMessage(owner, entry.Key, names)}", entry.KeyLocation));
                continue;
            }
            var param = recipe.Parameters[index];
            if (values.Any(v => v.Name == param.Name))
            {
                diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.UnknownKey, $"params: {param.Name} is set twice", entry.KeyLocation));
                continue;
            }
            if (entry.Value is null)
            {
                diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.MissingValue, $"params: {param.Name} has no value; expected {Expected(param)}", entry.ValueLocation));
                continue;
            }
            var checkedValue = ValueCheck.Check(param, entry.Value);
            if (checkedValue.IsValid) values.Add(new ParamValue(param.Name, checkedValue.Literal));
            else diagnostics.Add(new DiagnosticInfo(checkedValue.Error!, $"params: {checkedValue.Message}", entry.ValueLocation));
        }

        // A broken params section or a misspelt 'params' would only repeat itself as "required" errors.
        var paramsRead = document.Diagnostics.Count == 0;
        foreach (var required in recipe.Parameters.Where(p => p.IsRequired && paramsRead))
            if (!values.Any(v => v.Name == required.Name) && !document.Params.Any(e => KeyRules.Matches(e.Key, required.Name)))
                diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.MissingValue,
                    $"{owner} requires {required.Name} ({Expected(required)}); set it under params:",
                    document.ParamsKey ?? document.Recipe!.ValueLocation));

        var profiles = new List<ProfileModel>();
        // (YAML itself rejects a profile declared twice: a duplicate key.)
        foreach (var profile in document.Profiles)
        {
            var settings = new List<Setting>();
            foreach (var entry in profile.Settings)
            {
                if (entry.Value is null)
                {
                    diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.MissingValue, $"profile '{profile.Name}': {entry.Key} has no value", entry.ValueLocation));
                    continue;
                }
                var setting = ProfileSettings.Check($"profile '{profile.Name}'", owner, entry.Key, entry.KeyLocation, entry.Value, entry.ValueLocation,
                    recipe.Parameters, names, diagnostics);
                if (setting is not null) settings.Add(setting);
            }
            profiles.Add(new ProfileModel(profile.Name, settings.ToEquatableArray()));
        }

        return new ExperimentModel(
            name ?? "",
            document.Description?.Value,
            document.FileName,
            isDefault,
            recipe.Name,
            recipe.ConfigTypeName,
            recipe.Parameters,
            values.ToEquatableArray(),
            profiles.ToEquatableArray(),
            EquatableArray<StepModel>.Empty,
            recipe.RunnerTypeName,
            document.Name?.ValueLocation,
            isDefault ? document.Default!.ValueLocation : null);
    }

    static RecipeModel? FindRecipe(YamlExperimentFile document, EquatableArray<RecipeModel> recipes, List<DiagnosticInfo> diagnostics)
    {
        var recipeName = document.Recipe?.Value;
        if (recipeName is null)
        {
            diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.MissingValue,
                $"{document.FileName}: missing 'recipe': name the pipeline to configure; known recipes: {Known(recipes)}", document.Recipe?.ValueLocation ?? document.FileStart));
            return null;
        }
        var location = document.Recipe!.ValueLocation;
        var matches = recipes.Where(r => r.Name == recipeName.Trim()).ToList();
        if (matches.Count == 0)
        {
            var closest = KeyRules.Closest(recipeName, recipes.Select(r => r.Name));
            diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.UnknownRecipe,
                $"unknown recipe '{recipeName}'" + (closest is null ? "" : $"; did you mean {closest}?") + $" Known recipes: {Known(recipes)}", location));
            return null;
        }
        if (matches.Count > 1)
        {
            diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.UnknownRecipe,
                $"recipe '{recipeName}' is declared more than once: {string.Join(", ", matches.Select(r => r.ConfigTypeName))}", location));
            return null;
        }
        if (matches[0].Problem is { } problem)
        {
            diagnostics.Add(new DiagnosticInfo(DiagnosticDescriptors.BadRecipe, $"recipe '{recipeName}' cannot be used: {problem}", location));
            return null;
        }
        return matches[0];
    }

    static string Known(EquatableArray<RecipeModel> recipes) =>
        recipes.Count == 0 ? "none ([Recipe] records in this project or its references)" : string.Join(", ", recipes.Select(r => r.Name).Distinct());

    static string Expected(ParamModel param)
    {
        if (param.Choices.Count > 0) return $"one of {string.Join(", ", param.Choices)}";
        var range = param.Min is null && param.Max is null ? "" : $" ({ValueRules.RangeText(param.Min, param.Max)})";
        return $"{(param.TypeName.Length > 0 && "aeiou".IndexOf(param.TypeName[0]) >= 0 ? "an" : "a")} {param.TypeName}{range}";
    }
}
