namespace LlmLab.Data;

/// <summary>The kinds of fact a dialogue summary must copy from its dialogue.</summary>
public enum SlotKind
{
    Name,
    Place,
    Day,
    Time,
    Amount,
}
