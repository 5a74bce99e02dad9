using System.Text.Json;
using System.Text.RegularExpressions;

namespace LlmLab.Peft;

/// <summary>
/// What LlmLab reads of a PEFT adapter_config.json (peft_type LORA): r and lora_alpha (with rank_pattern and
/// alpha_pattern overriding them per module), which modules are adapted, fan_in_fan_out and use_rslora. The scale of
/// a module is alpha / r, or alpha / √r with rsLoRA. Options that change the maths and LlmLab does not implement
/// (bias other than "none", DoRA, layers_to_transform, modules_to_save, ...) are refused by name; options that only
/// matter when training starts (lora_dropout, init_lora_weights, ...) are ignored.
/// </summary>
public sealed record PeftAdapterConfig
{
    public const string FileName = "adapter_config.json";

    public int Rank { get; init; }
    public float Alpha { get; init; }
    /// <summary>A list (each entry an exact module path or a suffix after a dot), or null when <see cref="TargetRegex"/> is used.</summary>
    public IReadOnlyList<string>? TargetModules { get; init; }
    /// <summary>target_modules given as one string: a regular expression that must match the whole module path.</summary>
    public string? TargetRegex { get; init; }
    /// <summary>exclude_modules: a list (as target_modules) or null.</summary>
    public IReadOnlyList<string>? ExcludeModules { get; init; }
    /// <summary>exclude_modules given as one string (a whole-path regular expression).</summary>
    public string? ExcludeRegex { get; init; }
    /// <summary>The base weights are stored [in, out] (GPT-2's Conv1D). A and B are [r, in] and [out, r] either way.</summary>
    public bool FanInFanOut { get; init; }
    public bool UseRsLora { get; init; }
    /// <summary>rank_pattern: module pattern -> r, matched as PEFT does (the path ends with the pattern after a dot).</summary>
    public IReadOnlyDictionary<string, int> RankPattern { get; init; } = new Dictionary<string, int>();
    public IReadOnlyDictionary<string, float> AlphaPattern { get; init; } = new Dictionary<string, float>();

    /// <summary>Whether PEFT adapts the module at <paramref name="path"/> (e.g. "transformer.h.0.attn.c_attn").</summary>
    public bool Targets(string path) =>
        !Matches(path, ExcludeModules, ExcludeRegex) && Matches(path, TargetModules, TargetRegex);

    public int RankOf(string path) => Pattern(RankPattern, path) is { } key ? RankPattern[key] : Rank;
    public float AlphaOf(string path) => Pattern(AlphaPattern, path) is { } key ? AlphaPattern[key] : Alpha;

    /// <summary>How much of B A the module adds: alpha / r, or alpha / √r with rsLoRA.</summary>
    public float ScaleOf(string path)
    {
        int rank = RankOf(path);
        return UseRsLora ? AlphaOf(path) / MathF.Sqrt(rank) : AlphaOf(path) / rank;
    }

    private static bool Matches(string path, IReadOnlyList<string>? names, string? regex) => ModuleMatch.Targets(path, names, regex);

    // PEFT's get_pattern_key: the first key with re.match(rf"(.*\.)?({key})$", path).
    private static string? Pattern<T>(IReadOnlyDictionary<string, T> patterns, string path) =>
        patterns.Keys.FirstOrDefault(key => key == path || Regex.IsMatch(path, $@"^(.*\.)?({key})$", RegexOptions.CultureInvariant));

    /// <summary>Reads and checks <paramref name="path"/>; anything wrong or unsupported is one
    /// <see cref="InvalidDataException"/> naming the file and the key.</summary>
    public static PeftAdapterConfig Read(string path)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            root = document.RootElement.Clone();
        }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e); }
        catch (IOException e) { throw new InvalidDataException($"{path}: cannot read the adapter config ({e.Message})", e); }
        if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{path}: expected a JSON object");
        InvalidDataException Bad(string key, string expected) =>
            new($"{path}: \"{key}\" {expected}, got {(root.TryGetProperty(key, out var v) ? v.GetRawText() : "nothing")}");
        JsonElement? Get(string key) => root.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

        string peftType = Get("peft_type") is { ValueKind: JsonValueKind.String } t ? t.GetString()! : throw Bad("peft_type", "must be a string");
        if (peftType != "LORA") throw Bad("peft_type", "must be \"LORA\" (LlmLab reads LoRA adapters only)");
        int rank = Get("r") is { ValueKind: JsonValueKind.Number } r && r.TryGetInt32(out int rv) && rv >= 1 ? rv : throw Bad("r", "must be a whole number >= 1");
        float alpha = Get("lora_alpha") is { ValueKind: JsonValueKind.Number } a && a.GetDouble() is var av && av > 0 && double.IsFinite(av)
            ? (float)av : throw Bad("lora_alpha", "must be a positive number");
        bool Flag(string key) => Get(key) switch
        {
            null => false,
            { ValueKind: JsonValueKind.True } => true,
            { ValueKind: JsonValueKind.False } => false,
            _ => throw Bad(key, "must be true or false"),
        };
        (IReadOnlyList<string>? List, string? Regex) Modules(string key, bool required)
        {
            switch (Get(key))
            {
                case null when !required: return (null, null);
                case { ValueKind: JsonValueKind.String } s:
                    try { _ = new Regex(s.GetString()!); }
                    catch (ArgumentException e) { throw Bad(key, $"is not a valid regular expression ({e.Message})"); }
                    return (null, s.GetString());
                case { ValueKind: JsonValueKind.Array } list when list.GetArrayLength() > 0 && list.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String):
                    return ([.. list.EnumerateArray().Select(e => e.GetString()!)], null);
                default: throw Bad(key, "must be a list of module names or one regular expression");
            }
        }
        IReadOnlyDictionary<string, T> Patterns<T>(string key, Func<JsonElement, T?> read) where T : struct
        {
            if (Get(key) is not { } value) return new Dictionary<string, T>();
            if (value.ValueKind != JsonValueKind.Object) throw Bad(key, "must be an object of module pattern -> value");
            var patterns = new Dictionary<string, T>();
            foreach (var entry in value.EnumerateObject())
                patterns[entry.Name] = read(entry.Value) ?? throw Bad(key, $"has \"{entry.Name}\": {entry.Value.GetRawText()}, not a positive number");
            return patterns;
        }

        // Options that change what the adapter computes and LlmLab does not implement: refused by name.
        string bias = Get("bias") is { ValueKind: JsonValueKind.String } b ? b.GetString()! : Get("bias") is null ? "none" : throw Bad("bias", "must be a string");
        if (bias != "none") throw Bad("bias", "must be \"none\" (LlmLab's LoRA trains no biases)");
        foreach (string flag in new[] { "use_dora", "lora_bias", "use_qalora", "use_bdlora" })
            if (Flag(flag)) throw Bad(flag, "must be false (not implemented in LlmLab)");
        foreach (string key in new[] { "layers_to_transform", "modules_to_save", "layer_replication", "target_parameters", "trainable_token_indices", "alora_invocation_tokens", "arrow_config" })
            if (Get(key) is { } value && !(value.ValueKind == JsonValueKind.Array && value.GetArrayLength() == 0))
                throw Bad(key, "must be null (not implemented in LlmLab)");

        var (targets, targetRegex) = Modules("target_modules", required: true);
        var (excludes, excludeRegex) = Modules("exclude_modules", required: false);
        return new PeftAdapterConfig
        {
            Rank = rank, Alpha = alpha, TargetModules = targets, TargetRegex = targetRegex, ExcludeModules = excludes, ExcludeRegex = excludeRegex,
            FanInFanOut = Flag("fan_in_fan_out"), UseRsLora = Flag("use_rslora"),
            RankPattern = Patterns<int>("rank_pattern", v => v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) && i >= 1 ? i : null),
            AlphaPattern = Patterns<float>("alpha_pattern", v => v.ValueKind == JsonValueKind.Number && v.GetDouble() is var d && d > 0 ? (float)d : null),
        };
    }
}
