namespace LlmLab.Data;

/// <summary>
/// One item of an instruction task in lm-evaluation-harness's terms: <see cref="Input"/> is doc_to_text (the
/// template's instruction with the input filled in), <see cref="Target"/> doc_to_target and <see cref="Options"/>
/// doc_to_choice (empty for a generation item; the target is one of them for a multiple-choice one).
/// <see cref="Template"/> names the instruction template that phrased it, so held-out templates can be told apart.
/// <see cref="InstructionGenerator"/> makes them; <see cref="JsonlLoader.LoadInstructions"/> reads them and
/// <see cref="InstructionFiles.Save"/> writes them. Record equality compares <see cref="Options"/> by reference, as
/// records do any list: compare two items' options with SequenceEqual.
/// </summary>
public sealed record InstructionExample(
    string Id,
    string Task,
    string Template,
    string Input,
    string Target,
    IReadOnlyList<string> Options,
    InstructionMetric Metric)
{
    public bool IsMultipleChoice => Options.Count > 0;

    /// <summary>The index of the target among the options (-1 for a generation item).</summary>
    public int Gold
    {
        get
        {
            for (int i = 0; i < Options.Count; i++)
                if (string.Equals(Options[i], Target, StringComparison.Ordinal)) return i;
            return -1;
        }
    }
}
