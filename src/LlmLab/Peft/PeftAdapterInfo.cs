namespace LlmLab.Peft;

/// <summary>What <see cref="PeftAdapter.Load"/> attached: the adapter's config and the HF module paths it adapted.</summary>
public sealed record PeftAdapterInfo(PeftAdapterConfig Config, IReadOnlyList<string> Modules);
