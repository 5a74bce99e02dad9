namespace LlmLab.Data;

/// <summary>Which of a task's instruction templates an item may be phrased with.</summary>
public enum TemplateSet
{
    /// <summary>The templates for training (and for evaluating on seen phrasings).</summary>
    Training,
    /// <summary>The templates held out of training: evaluating on them measures generalisation to new phrasings.</summary>
    HeldOut,
    /// <summary>Both, training templates first.</summary>
    All,
}
