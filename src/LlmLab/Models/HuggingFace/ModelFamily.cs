namespace LlmLab.Models.HuggingFace;

/// <summary>The three transformer families: decoder-only (GPT-2, Llama), encoder-only (BERT), encoder-decoder (T5).</summary>
public enum ModelFamily
{
    DecoderOnly,
    EncoderOnly,
    EncoderDecoder,
}
