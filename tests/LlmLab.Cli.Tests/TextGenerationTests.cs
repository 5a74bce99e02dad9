using System.Text.Json;
using LlmLab.Backends;
using LlmLab.Generation;
using LlmLab.Models.HuggingFace;
using LlmLab.Tokenizers;

namespace LlmLab.Cli.Tests;

/// <summary>
/// <c>llmlab generate</c> with text: --prompt encoded and the output decoded by the folder's tokenizer
/// (<see cref="HfTokenizer"/>), and the errors where a folder has none.
/// </summary>
public class TextGenerationTests
{
    private static int[] Tokens(CliResult r) =>
        JsonDocument.Parse(r.Succeeds().Out).RootElement.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32()).ToArray();

    [Fact]
    public void A_text_prompt_is_encoded_and_the_output_decoded_with_the_folders_tokenizer()
    {
        using var temp = new TempFolder();
        string folder = TokenizedModelFolder.Create(temp);
        var tokenizer = HfTokenizer.Load(folder);
        const string prompt = "the cat sat on a mat";
        int[] encoded = tokenizer.Encode(prompt);
        Assert.True(encoded.Length < prompt.Length, "the merges should join some letters");

        int[] tokens = Tokens(CliResult.Run("generate", "--model", folder, "--prompt", prompt, "--max-new-tokens", "8", "--format", "json"));
        using var backend = Backend.Create("cpu");
        var model = HfCheckpoint.Load(backend, folder);
        Assert.Equal(model.Generate(encoded, new GenerationOptions { MaxNewTokens = 8 }), tokens);

        var text = CliResult.Run("generate", "--model", folder, "--prompt", prompt, "--max-new-tokens", "8").Succeeds();
        Assert.Equal(tokenizer.Decode(tokens) + Environment.NewLine, text.Out);
        Assert.StartsWith(prompt, text.Out);

        var fromIds = CliResult.Run("generate", "--model", folder, "--prompt-ids", string.Join(",", encoded), "--max-new-tokens", "8", "--format", "text").Succeeds();
        Assert.Equal(text.Out, fromIds.Out);
    }

    [Fact]
    public void Quantize_copies_the_tokenizer_so_text_prompts_work_on_the_quantised_folder()
    {
        using var temp = new TempFolder();
        string folder = TokenizedModelFolder.Create(temp), quantised = Path.Combine(temp.Path, "int8");
        CliResult.Run("quantize", "--model", folder, "--format", "int8", "--output", quantised).Succeeds();
        Assert.True(File.Exists(Path.Combine(quantised, "vocab.json")) && File.Exists(Path.Combine(quantised, "merges.txt")));
        var r = CliResult.Run("generate", "--model", quantised, "--prompt", "a hat", "--max-new-tokens", "4").Succeeds();
        Assert.StartsWith("a hat", r.Out);
    }

    [Fact]
    public void Text_without_a_tokenizer_says_what_to_give_instead()
    {
        string gpt2 = ModelFixtures.Folder("gpt2-tiny");
        CliResult.Run("generate", "--model", gpt2, "--prompt", "hello", "--max-new-tokens", "2", "--format", "json")
            .AssertUserError("has no tokenizer (vocab.json + merges.txt, vocab.txt, tokenizer.model or spiece.model), which --prompt needs; give --prompt-ids instead");
        CliResult.Run("generate", "--model", gpt2, "--prompt-ids", "1,2", "--max-new-tokens", "2")
            .AssertUserError("which --format text needs; give --format json for the token ids");
    }
}
