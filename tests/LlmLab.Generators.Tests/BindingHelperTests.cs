using LlmLab.Experiments;
using LlmLab.Generators.Model;
using LlmLab.Generators.Parsing;

namespace LlmLab.Generators.Tests;

/// <summary>
/// The run-time helpers the generated binders call (ParameterKeys, ParameterParsing, ParameterText, ParameterChecks),
/// and their agreement with the generator's build-time checks: a value a YAML file or profile may hold at build time
/// must bind at run time to the same canonical text, and a bad one must fail with the same message. Both sides
/// compile the one copy of the rules in src/Shared; these tests guard the adapters around it (and that it stays
/// one copy).
/// </summary>
public class BindingHelperTests
{
    [Theory]
    [InlineData("learning_rate", "learningrate")]
    [InlineData("LearningRate", "learningrate")]
    [InlineData("learning-Rate", "learningrate")]
    [InlineData(" Layers ", "layers")]
    public void KeysIgnoreCaseUnderscoresAndDashes(string key, string normalized)
    {
        Assert.Equal(normalized, ParameterKeys.Normalize(key));
        Assert.Equal(normalized, KeyRules.Normalize(key));
        Assert.True(ParameterKeys.Matches(key, normalized));
    }

    [Theory]
    [InlineData("lerning_rate", "LearningRate")]
    [InlineData("Layrs", "Layers")]
    [InlineData("heads", "Heads")]
    [InlineData("hed", "Heads")]
    [InlineData("optimiser", "Optimizer")]
    [InlineData("batch", null)]
    [InlineData("x", null)]
    public void DidYouMeanIsTheClosestKeyWhenClose(string key, string? expected)
    {
        string[] keys = ["Layers", "Heads", "LearningRate", "Optimizer", "Steps"];
        Assert.Equal(expected, ParameterKeys.Closest(key, keys));
        Assert.Equal(expected, KeyRules.Closest(key, keys));
    }

    [Theory]
    [InlineData("", "", 0)]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("abc", "", 3)]
    [InlineData("flaw", "lawn", 2)]
    [InlineData("cdua", "cuda", 1)]
    [InlineData("learnignrate", "learningrate", 1)]
    [InlineData("ca", "abc", 3)] // optimal string alignment edits no substring twice (true Damerau gives 2)
    public void EditDistanceIsOptimalStringAlignment(string a, string b, int distance)
    {
        Assert.Equal(distance, EditDistance.Between(a, b));
        Assert.Equal(distance, EditDistance.Between(b, a));
    }

    [Theory]
    [InlineData("ehdas", "Heads")] // two swapped pairs: 2 edits (Levenshtein counts 3, too far for a short key)
    [InlineData("laeyrs", "Layers")]
    public void SwappedLettersAreSuggested(string key, string expected)
    {
        string[] keys = ["Layers", "Heads", "LearningRate", "Optimizer", "Steps"];
        Assert.Equal(expected, ParameterKeys.Closest(key, keys));
        Assert.Equal(expected, KeyRules.Closest(key, keys));
    }

    [Fact]
    public void TheGeneratorAndTheRuntimeCompileTheSameSharedRules()
    {
        // Linked from src/Shared, not copied: both assemblies hold the internal types, built from one file each.
        string[] shared = ["LlmLab.EditDistance", "LlmLab.KeyRules", "LlmLab.ValueRules", "LlmLab.ValueError"];
        foreach (var name in shared)
        {
            Assert.NotNull(typeof(KeyRules).Assembly.GetType(name));
            Assert.NotNull(typeof(ParameterKeys).Assembly.GetType(name));
        }
        Assert.Equal("LlmLab.Generators", typeof(KeyRules).Assembly.GetName().Name);
    }

    [Fact]
    public void CanonicalTextRoundTrips()
    {
        Assert.Equal("0.1", ParameterText.Format(0.1f));
        Assert.Equal("0.1", ParameterText.Format(0.1));
        Assert.Equal("1E-07", ParameterText.Format(1e-7));
        Assert.Equal("-3", ParameterText.Format(-3));
        Assert.Equal("18446744073709551615", ParameterText.Format(ulong.MaxValue));
        Assert.Equal("true", ParameterText.Format(true));
        Assert.Equal("", ParameterText.Format((string?)null));
        Assert.Equal("Friday", ParameterText.Format(DayOfWeek.Friday));
        foreach (var value in new[] { 0.1, 1.0 / 3, 1e-300, 123456789.123, double.Epsilon })
            Assert.Equal(value, ParameterParsing.ParseDouble(Spec(ParameterKind.Double), ParameterText.Format(value)));
        foreach (var value in new[] { 0.1f, 1.0f / 3, 3e-8f, float.MaxValue })
            Assert.Equal(value, ParameterParsing.ParseSingle(Spec(ParameterKind.Single), ParameterText.Format(value)));
    }

    [Fact]
    public void EnumsMatchMemberNamesIgnoringCaseButNotNumbers()
    {
        var spec = Spec(ParameterKind.Enum, choices: Enum.GetNames<DayOfWeek>());
        Assert.Equal(DayOfWeek.Monday, ParameterParsing.ParseEnum<DayOfWeek>(spec, " monday "));
        var error = Assert.Throws<ExperimentConfigException>(() => ParameterParsing.ParseEnum<DayOfWeek>(spec, "1"));
        Assert.StartsWith("Key: '1' is not one of Sunday, Monday", error.Message);
    }

    [Theory]
    [InlineData(ParameterKind.Int32, "42", null, null)]
    [InlineData(ParameterKind.Int32, " -7 ", null, null)]
    [InlineData(ParameterKind.Int32, "+5", null, null)]
    [InlineData(ParameterKind.Int32, "1e3", null, null)]
    [InlineData(ParameterKind.Int32, "2147483648", null, null)]
    [InlineData(ParameterKind.Int32, "1,000", null, null)]
    [InlineData(ParameterKind.Int32, "0", 1.0, 10.0)]
    [InlineData(ParameterKind.Int32, "10", 1.0, 10.0)]
    [InlineData(ParameterKind.Int32, "11", 1.0, 10.0)]
    [InlineData(ParameterKind.Int64, "9223372036854775807", null, null)]
    [InlineData(ParameterKind.Int64, "x", null, null)]
    [InlineData(ParameterKind.UInt64, "-1", null, null)]
    [InlineData(ParameterKind.UInt64, "18446744073709551615", null, null)]
    [InlineData(ParameterKind.Single, "3e-4", null, null)]
    [InlineData(ParameterKind.Single, "0,5", null, null)]
    [InlineData(ParameterKind.Single, "-0.5", 0.0, null)]
    [InlineData(ParameterKind.Single, "NaN", 0.0, 1.0)]
    [InlineData(ParameterKind.Double, "1E-3", null, null)]
    [InlineData(ParameterKind.Double, ".5", null, null)]
    [InlineData(ParameterKind.Double, "Infinity", null, null)]
    [InlineData(ParameterKind.Double, "2", null, 1.0)]
    [InlineData(ParameterKind.Double, "fast", null, null)]
    [InlineData(ParameterKind.Boolean, "True", null, null)]
    [InlineData(ParameterKind.Boolean, " false", null, null)]
    [InlineData(ParameterKind.Boolean, "1", null, null)]
    [InlineData(ParameterKind.String, " spaced text ", null, null)]
    public void BuildTimeAndRunTimeAgree(ParameterKind kind, string text, double? min, double? max)
    {
        var spec = Spec(kind, min, max);
        string? runtimeCanonical = null, runtimeError = null;
        try { runtimeCanonical = ParseToCanonical(spec, text); }
        catch (ExperimentConfigException error) { runtimeError = error.Message; }

        var buildTime = ValueCheck.Check(
            new ParamModel("Key", (ParamKind)(int)kind, "", "", null, min, max, EquatableArray<string>.Empty, false), text);

        Assert.Equal(runtimeError, buildTime.Message);
        if (runtimeError is null) Assert.Equal(runtimeCanonical, buildTime.Canonical);
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("SGD")]
    [InlineData("adam")]
    [InlineData("")]
    public void ChoicesAgreeToo(string text)
    {
        string[] choices = ["adamw", "sgd"];
        string? runtimeError = null;
        try { ParameterParsing.ParseString(Spec(ParameterKind.String, choices: choices), text); }
        catch (ExperimentConfigException error) { runtimeError = error.Message; }
        var buildTime = ValueCheck.Check(new ParamModel("Key", ParamKind.String, "string", "string", null, null, null, new EquatableArray<string>(choices), false), text);
        Assert.Equal(runtimeError, buildTime.Message);
    }

    [Fact]
    public void KindsHaveTheSameNamesOnBothSides()
    {
        Assert.Equal(Enum.GetNames<ParameterKind>(), Enum.GetNames<ParamKind>());
        Assert.Equal(Enum.GetValues<ParameterKind>().Select(k => (int)k), Enum.GetValues<ParamKind>().Select(k => (int)k));
    }

    static string ParseToCanonical(ParameterSpec spec, string text) => spec.Kind switch
    {
        ParameterKind.Int32 => ParameterText.Format(ParameterParsing.ParseInt32(spec, text)),
        ParameterKind.Int64 => ParameterText.Format(ParameterParsing.ParseInt64(spec, text)),
        ParameterKind.UInt64 => ParameterText.Format(ParameterParsing.ParseUInt64(spec, text)),
        ParameterKind.Single => ParameterText.Format(ParameterParsing.ParseSingle(spec, text)),
        ParameterKind.Double => ParameterText.Format(ParameterParsing.ParseDouble(spec, text)),
        ParameterKind.Boolean => ParameterText.Format(ParameterParsing.ParseBoolean(spec, text)),
        _ => ParameterText.Format(ParameterParsing.ParseString(spec, text)),
    };

    static ParameterSpec Spec(ParameterKind kind, double? min = null, double? max = null, string[]? choices = null) =>
        new("Key", kind, "", null, min, max, choices);
}
