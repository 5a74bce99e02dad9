using System.Text;
using LlmLab.Data;

namespace LlmLab.Prompting;

/// <summary>
/// The text a model is given, laid out as lm-eval's fewshot_context renders it without a chat template:
/// description + (shot input + target delimiter + shot target + few-shot delimiter) for each shot + the item's
/// input. A multiple-choice item's options are scored as target delimiter + option after it; a generation item
/// continues it as it is.
/// </summary>
public static class FewShotContext
{
    public static string Build(InstructionExample item, IReadOnlyList<InstructionExample> shots, FewShotOptions options)
    {
        var text = new StringBuilder(options.Description);
        foreach (var shot in shots)
            text.Append(shot.Input).Append(options.TargetDelimiter).Append(shot.Target).Append(options.FewshotDelimiter);
        return text.Append(item.Input).ToString();
    }

    /// <summary>What is scored after the context for one option: the target delimiter, then the option.</summary>
    public static string Continuation(string option, FewShotOptions options) => options.TargetDelimiter + option;
}
