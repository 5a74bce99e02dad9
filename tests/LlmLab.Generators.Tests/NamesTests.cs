using LlmLab.Generators.Parsing;

namespace LlmLab.Generators.Tests;

/// <summary>Experiment names, the classes generated for them, and steps' default titles.</summary>
public class NamesTests
{
    [Theory]
    [InlineData("tiny-gpt", true)]
    [InlineData("gpt2", true)]
    [InlineData("2-layers", true)]
    [InlineData("Tiny", false)]
    [InlineData("tiny--gpt", false)]
    [InlineData("-tiny", false)]
    [InlineData("tiny_gpt", false)]
    [InlineData("", false)]
    public void NamesAreLowerCaseWordsJoinedByDashes(string name, bool valid) => Assert.Equal(valid, Names.IsValid(name));

    [Fact]
    public void DistinctNamesGetDistinctClasses()
    {
        string[] names = ["a1-b", "a-1-b", "a-1b", "ab-c", "a-bc", "1-a", "1a", "gpt-2-small"];
        var classes = names.Select(Names.ClassName).ToList();
        Assert.Equal(names.Length, classes.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal("Gpt_2SmallExperiment", Names.ClassName("gpt-2-small"));
        Assert.Equal("_1aExperiment", Names.ClassName("1a"));
    }

    [Theory]
    [InlineData("Pretrain", "pretrain")]
    [InlineData("SampleText", "sample text")]
    [InlineData("TrainGPTModel", "train gpt model")]
    [InlineData("Quantize_Q4", "quantize q4")]
    public void StepTitlesAreTheMethodNameInWords(string method, string title) => Assert.Equal(title, Names.Words(method));
}
