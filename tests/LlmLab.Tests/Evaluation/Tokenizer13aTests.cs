using LlmLab.Evaluation;

namespace LlmLab.Tests.Evaluation;

/// <summary>The 13a tokenizer: exact strings, worked out from the mteval-v13a rules docs/references.md spells out.</summary>
public class Tokenizer13aTests
{
    [Theory]
    [InlineData("Hello, world!", "Hello , world !")]
    [InlineData("It wasn't surprising.", "It wasn't surprising .")]
    [InlineData("The train leaves at 6:45, so hurry!", "The train leaves at 6 : 45 , so hurry !")]
    [InlineData("Sales grew by 12.5% to $4,200 in Q3.", "Sales grew by 12.5 % to $ 4,200 in Q3 .")]
    [InlineData("pages 3-4 and e-mail, 1e-4", "pages 3 - 4 and e-mail , 1e-4")]
    [InlineData("a.b,c 1.b a.1", "a . b , c 1 . b a . 1")]
    [InlineData("x..y", "x . . y")]
    [InlineData("&quot;quoted&quot; &amp;lt; &lt;b&gt;", "\" quoted \" < < b >")]
    [InlineData("line one-\nline two\nthree", "line oneline two three")]
    [InlineData("drop<skipped> this", "drop this")]
    [InlineData("(hi) [x] {y} a/b @c #d ~e ^f _g `h |i \\j", "( hi ) [ x ] { y } a / b @ c # d ~ e ^ f _ g ` h | i \\ j")]
    [InlineData("café 😀 naïve", "café 😀 naïve")]
    [InlineData("   ", "")]
    [InlineData("", "")]
    public void Tokenizes_like_mteval_13a(string line, string expected) => Assert.Equal(expected, Tokenizer13a.Tokenize(line));

    [Fact]
    public void Python_whitespace_separates_tokens_including_the_file_separators()
    {
        // Python's str.split() also splits on U+001C..U+001F, which .NET's char.IsWhiteSpace does not count.
        Assert.Equal("a b c d", Tokenizer13a.Tokenize("a\u001Cb\u00A0c\u3000d"));
    }

    [Fact]
    public void Very_long_line_is_tokenized_completely()
    {
        // Each repeat: "a . b , c-1 - 2" (the dash splits only after a digit).
        string line = string.Concat(Enumerable.Repeat("a.b,c-1-2 ", 20_000));
        string tokens = Tokenizer13a.Tokenize(line);
        Assert.Equal(20_000 * 7, tokens.Split(' ').Length);
    }
}
