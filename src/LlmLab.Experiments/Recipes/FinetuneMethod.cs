namespace LlmLab.Experiments;

/// <summary>How the finetune recipe trains: every weight, a LoRA adapter, or both from the same base, side by side.</summary>
public enum FinetuneMethod
{
    Both,
    Full,
    Lora,
}
