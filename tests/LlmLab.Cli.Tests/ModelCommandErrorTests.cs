using LlmLab.IO;

namespace LlmLab.Cli.Tests;

/// <summary>
/// The model commands' user errors: each is one line naming the problem on standard error, exit 2, no stack trace,
/// nothing on standard output.
/// </summary>
public class ModelCommandErrorTests
{
    private static readonly string Gpt2 = ModelFixtures.Folder("gpt2-tiny");
    private static readonly string Inputs = ModelFixtures.Expected("gpt2-tiny");

    private static void AssertOneLine(CliResult r, string message)
    {
        r.AssertUserError(message);
        Assert.Single(r.Error.TrimEnd().Split('\n'));
    }

    [Fact]
    public void A_missing_model_folder()
    {
        using var temp = new TempFolder();
        string missing = Path.Combine(temp.Path, "no-such-model");
        AssertOneLine(CliResult.Run("forward", "--model", missing, "--inputs", Inputs, "--output", Path.Combine(temp.Path, "o.safetensors")),
            $"llmlab forward: {missing}: no such model folder");
        AssertOneLine(CliResult.Run("generate", "--model", missing, "--prompt-ids", "1", "--max-new-tokens", "1"), "no such model folder");
        AssertOneLine(CliResult.Run("quantize", "--model", missing, "--format", "int8", "--output", Path.Combine(temp.Path, "q")), "no such model folder");
        AssertOneLine(CliResult.Run("inspect", missing), "no such file or folder");
        Assert.False(File.Exists(Path.Combine(temp.Path, "o.safetensors")));
    }

    [Fact]
    public void A_folder_without_config_or_weights()
    {
        using var temp = new TempFolder();
        AssertOneLine(CliResult.Run("generate", "--model", temp.Path, "--prompt-ids", "1", "--max-new-tokens", "1"), "no config.json");
        temp.Write("config.json", "{\"model_type\": \"gpt2\", \"n_embd\": 48}");
        AssertOneLine(CliResult.Run("inspect", temp.Path), "has neither model.safetensors nor model.safetensors.index.json");
        temp.Write("config.json", "{\"model_type\": \"mamba\"}");
        AssertOneLine(CliResult.Run("generate", "--model", temp.Path, "--prompt-ids", "1", "--max-new-tokens", "1"), "model_type \"mamba\" is not one LlmLab reads");
    }

    [Theory]
    [InlineData("inspect", "--bogus")]
    [InlineData("forward", "--bogus")]
    [InlineData("generate", "--bogus")]
    [InlineData("quantize", "--bogus")]
    public void An_unknown_option_is_named_with_the_usage(string command, string option)
    {
        var r = CliResult.Run(command, option, "x");
        r.AssertUserError($"llmlab {command}: unknown option '{option}'");
        Assert.Contains($"usage: llmlab {command}", r.Error);
    }

    [Fact]
    public void An_inputs_file_without_input_ids()
    {
        using var temp = new TempFolder();
        string inputs = Path.Combine(temp.Path, "inputs.safetensors");
        new SafetensorsWriter().Add("attention_mask", new long[] { 1, 1, 1 }, 1, 3).Save(inputs);
        AssertOneLine(CliResult.Run("forward", "--model", Gpt2, "--inputs", inputs, "--output", Path.Combine(temp.Path, "o.safetensors")),
            $"{inputs}: no 'input_ids' tensor (int64 [batch, seq]); it holds 'attention_mask'");
    }

    [Fact]
    public void Input_ids_that_are_not_int64()
    {
        using var temp = new TempFolder();
        string inputs = Path.Combine(temp.Path, "inputs.safetensors");
        new SafetensorsWriter().Add("input_ids", new int[] { 1, 2, 3 }, 1, 3).Save(inputs);
        AssertOneLine(CliResult.Run("forward", "--model", Gpt2, "--inputs", inputs, "--output", Path.Combine(temp.Path, "o.safetensors")),
            "'input_ids' is I32, expected int64 (I64) token ids");
        new SafetensorsWriter().Add("input_ids", new float[] { 1, 2, 3 }, 1, 3).Save(inputs);
        AssertOneLine(CliResult.Run("forward", "--model", Gpt2, "--inputs", inputs, "--output", Path.Combine(temp.Path, "o.safetensors")),
            "'input_ids' is F32, expected int64");
    }

    [Fact]
    public void Bad_inputs_shapes_and_ids()
    {
        using var temp = new TempFolder();
        string inputs = Path.Combine(temp.Path, "inputs.safetensors"), output = Path.Combine(temp.Path, "o.safetensors");
        new SafetensorsWriter().Add("input_ids", new long[] { 1, 2, 3 }, 3).Save(inputs);
        AssertOneLine(CliResult.Run("forward", "--model", Gpt2, "--inputs", inputs, "--output", output), "'input_ids' is [3], expected [batch, seq]");
        new SafetensorsWriter().Add("input_ids", new long[] { 1, 2, 3 }, 1, 3).Add("attention_mask", new long[] { 1, 1 }, 1, 2).Save(inputs);
        AssertOneLine(CliResult.Run("forward", "--model", Gpt2, "--inputs", inputs, "--output", output), "'attention_mask' is [1, 2], expected the shape of 'input_ids', [1, 3]");
        new SafetensorsWriter().Add("input_ids", new long[] { 1, 2, 3 }, 1, 3).Add("decoder_input_ids", new long[] { 0 }, 1, 1).Save(inputs);
        AssertOneLine(CliResult.Run("forward", "--model", Gpt2, "--inputs", inputs, "--output", output), "decoder-only: it takes no decoder_input_ids");
        new SafetensorsWriter().Add("input_ids", new long[] { 1, 600, 3 }, 1, 3).Save(inputs);
        AssertOneLine(CliResult.Run("forward", "--model", Gpt2, "--inputs", inputs, "--output", output), "id 600");
        File.WriteAllText(inputs, "not a safetensors file");
        AssertOneLine(CliResult.Run("forward", "--model", Gpt2, "--inputs", inputs, "--output", output), inputs);
        Assert.False(File.Exists(output));
    }

    [Theory]
    [InlineData(new[] { "--greedy", "--temperature", "0.7" }, "--greedy does not sample: drop --temperature")]
    [InlineData(new[] { "--top-k", "-1" }, "option '--top-k' must be at least 0")]
    [InlineData(new[] { "--temperature", "hot" }, "option '--temperature' needs a number, got 'hot'")]
    [InlineData(new[] { "--format", "xml" }, "unknown format 'xml' (choose text or json)")]
    public void Bad_generate_options(string[] extra, string message)
    {
        AssertUsageError(CliResult.Run(["generate", "--model", Gpt2, "--prompt-ids", "1,2", "--max-new-tokens", "3", .. extra]), message);
    }

    [Theory]
    [InlineData(new[] { "--prompt-ids", "1,x", "--max-new-tokens", "3" }, "--prompt-ids takes comma-separated token ids")]
    [InlineData(new[] { "--prompt-ids", "1", "--prompt", "hi" }, "give either --prompt or --prompt-ids, not both")]
    [InlineData(new[] { "--max-new-tokens", "3" }, "no prompt")]
    [InlineData(new[] { "--prompt-ids", "1" }, "no --max-new-tokens given")]
    [InlineData(new[] { "--prompt-ids", "1", "--max-new-tokens", "0" }, "option '--max-new-tokens' must be at least 1")]
    public void Bad_generate_prompts(string[] extra, string message)
    {
        AssertUsageError(CliResult.Run(["generate", "--model", Gpt2, .. extra]), message);
    }

    [Fact]
    public void Prompt_ids_outside_the_vocabulary_an_unknown_backend_and_a_sampling_value_out_of_range()
    {
        AssertOneLine(CliResult.Run("generate", "--model", Gpt2, "--prompt-ids", "1", "--max-new-tokens", "2", "--top-p", "0"), "top-p must be in (0, 1], got 0");
        AssertOneLine(CliResult.Run("generate", "--model", Gpt2, "--prompt-ids", "1,512", "--max-new-tokens", "2", "--format", "json"),
            "prompt token 512 is outside the vocabulary of 512");
        AssertOneLine(CliResult.Run("generate", "--model", Gpt2, "--prompt-ids", "1", "--max-new-tokens", "2", "--backend", "cpux"),
            "unknown backend 'cpux'; choose one of auto, cpu, cuda, opencl, ilgpu-cpu (did you mean 'cpu'?)");
    }

    [Fact]
    public void An_encoder_only_model_does_not_generate()
    {
        foreach (string format in new[] { "json", "text" })   // text: said before the missing tokenizer is
            AssertOneLine(CliResult.Run("generate", "--model", ModelFixtures.Folder("bert-tiny"), "--prompt-ids", "1,2", "--max-new-tokens", "2", "--format", format),
                "llmlab generate: BertForMaskedLM is an encoder-only model: it scores tokens (forward) but does not generate");
    }

    [Fact]
    public void Bad_quantize_arguments()
    {
        using var temp = new TempFolder();
        string output = Path.Combine(temp.Path, "q");
        AssertOneLine(CliResult.Run("quantize", "--model", Gpt2, "--format", "q5_k", "--output", output), "unknown weight format 'q5_k'; use one of f32, int8, q8_0, q4_0");
        // llama-tiny is 48 wide with an MLP of 124: no layer has a multiple of 32 inputs.
        AssertOneLine(CliResult.Run("quantize", "--model", ModelFixtures.Folder("llama-tiny"), "--format", "q4_0", "--output", output),
            "no linear layer of LlamaForCausalLM has an input width that is a multiple of 32, so q4_0 would quantise nothing; use int8");
        AssertUsageError(CliResult.Run("quantize", "--model", Gpt2, "--format", "f32", "--output", output), "--format f32 is not a quantised format");
        AssertUsageError(CliResult.Run("quantize", "--model", Gpt2, "--output", output), "no --format given");
        AssertUsageError(CliResult.Run("quantize", "--model", Gpt2, "--format", "int8", "--output", Gpt2 + "/"), "--output must be another folder than --model");
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void Inspect_arguments_and_a_file_that_is_not_safetensors()
    {
        using var temp = new TempFolder();
        AssertUsageError(CliResult.Run("inspect"), "no PATH given");
        AssertUsageError(CliResult.Run("inspect", Gpt2, Gpt2), $"unexpected argument '{Gpt2}'");
        AssertUsageError(CliResult.Run("inspect", Gpt2, "--format", "xml"), "unknown format 'xml' (choose table or json)");
        string junk = temp.Write("junk.safetensors", "four");
        AssertOneLine(CliResult.Run("inspect", junk), $"{junk}: the file has 4 bytes");
    }

    private static void AssertUsageError(CliResult r, string message)
    {
        r.AssertUserError(message);
        Assert.Contains("usage: llmlab", r.Error.Split('\n')[1]);
    }
}
