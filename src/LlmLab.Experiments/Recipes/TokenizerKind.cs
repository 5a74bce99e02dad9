namespace LlmLab.Experiments;

/// <summary>How a recipe cuts text into tokens: one token a character (nanoGPT's Shakespeare), or byte-level BPE learned from the training corpus (GPT-2's scheme).</summary>
public enum TokenizerKind
{
    Char,
    Bpe,
}
