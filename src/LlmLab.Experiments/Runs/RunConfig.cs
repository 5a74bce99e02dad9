using System.Security.Cryptography;
using System.Text;

namespace LlmLab.Experiments;

/// <summary>
/// What a run was started with, fully resolved: the experiment, seed, backend, the profile it came from (for the
/// record only) and every parameter's canonical value in declaration order. Written as config.yaml; enough to
/// rebind the same experiment on resume.
/// </summary>
public sealed record RunConfig(
    string Experiment,
    ulong Seed,
    string Backend,
    string? Profile,
    IReadOnlyList<KeyValuePair<string, string>> Parameters)
{
    /// <summary>
    /// The text the config hash is taken of: the things that decide the results (experiment, seed, backend,
    /// parameters sorted by key), one "key=value" a line. The profile is left out: two runs with the same resolved
    /// values are the same configuration however they were reached.
    /// </summary>
    public string CanonicalText
    {
        get
        {
            var text = new StringBuilder();
            text.Append("experiment=").Append(Experiment).Append('\n');
            text.Append("seed=").Append(Seed.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
            text.Append("backend=").Append(Backend).Append('\n');
            foreach (var (key, value) in Parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
                text.Append(key).Append('=').Append(value).Append('\n');
            return text.ToString();
        }
    }

    /// <summary>The first 8 hex digits (lower case) of the SHA-256 of <see cref="CanonicalText"/>.</summary>
    public string Hash => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(CanonicalText)))[..8];

    public string? this[string key] => Parameters.FirstOrDefault(p => p.Key == key).Value;
}
