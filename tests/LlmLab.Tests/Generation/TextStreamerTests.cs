using LlmLab.Generation;
using LlmLab.Tokenizers;

namespace LlmLab.Tests.Generation;

/// <summary>Streaming decoded text: the pieces written add up to the decoded text, and no piece splits a character.</summary>
public class TextStreamerTests
{
    [Fact]
    public void Gpt2_pieces_never_split_a_multi_byte_character()
    {
        var tokenizer = new Gpt2Tokenizer();
        string text = "Café déjà vu – 日本語 ok 🙂!";
        var pieces = new List<string>();
        var streamer = new TextStreamer(tokenizer, pieces.Add);
        foreach (int id in tokenizer.Encode(text)) streamer.Add(id);
        streamer.Flush();
        Assert.Equal(text, string.Concat(pieces));
        Assert.DoesNotContain(pieces, p => p.Contains('\uFFFD'));
        Assert.True(pieces.Count > 5, "text should arrive in many pieces");
    }

    [Fact]
    public void Character_tokens_arrive_one_by_one()
    {
        var tokenizer = CharTokenizer.Build("hello world");
        var pieces = new List<string>();
        var streamer = new TextStreamer(tokenizer, pieces.Add);
        foreach (int id in tokenizer.Encode("hello")) streamer.Add(id);
        Assert.Equal(["h", "e", "l", "l", "o"], pieces);
        Assert.Equal("hello", streamer.Text);
    }
}
