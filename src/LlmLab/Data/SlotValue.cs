namespace LlmLab.Data;

/// <summary>One fact stated in a text: its kind and its words as written ("Golden Dragon", "7:30 pm", "$45", "three").</summary>
public sealed record SlotValue(SlotKind Kind, string Value)
{
    public override string ToString() => $"{Kind.ToString().ToLowerInvariant()} {Value}";
}
