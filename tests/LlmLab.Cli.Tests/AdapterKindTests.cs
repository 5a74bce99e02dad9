using System.Text.Json;
using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Cli.Engine;
using LlmLab.Generation;
using LlmLab.IO;
using LlmLab.Models.HuggingFace;
using LlmLab.Nn;
using LlmLab.Peft;
using LlmLab.Prompting;
using LlmLab.Tensors;
using LlmLab.Tokenizers;

namespace LlmLab.Cli.Tests;

/// <summary>
/// <c>--adapter</c> for every kind LlmLab reads: each adapter saved with the library's Save on a fixture model, its
/// values made non-trivial, then forward gives the logits of the adapted model in-process (prompt tuning: n + T
/// positions; T5: the decoder's; prefix tuning: the T tokens'), generate with prompt tuning gives the soft-prompted
/// tokens, with bottleneck adapters the adapted model's greedy tokens and with prefix tuning the prefixed model's
/// (T5 too: KV-cached generation gives the tokens of whole forwards), LoRA over a quantised folder runs as QLoRA, and
/// an unknown or missing peft_type is one line naming the kinds.
/// </summary>
public class AdapterKindTests
{
    private static string Inputs(string model) => ModelFixtures.Expected(model);

    // Moves every trainable parameter off its initial value (IA3's ones, BitFit's biases), deterministically.
    private static void Perturb(Module model)
    {
        int k = 0;
        foreach (var (_, p) in model.NamedParameters().Where(p => p.Parameter.RequiresGrad))
        {
            float[] values = p.Data.ToArray<float>();
            for (int i = 0; i < values.Length; i++, k++) values[i] = values[i] * (1f + 0.5f * MathF.Sin(k)) + 0.1f * MathF.Cos(0.7f * k);
            using var source = Tensor.From(p.Data.Backend, values, p.Shape.ToArray());
            p.Data.Backend.Copy(source.Storage, source.ByteOffset, p.Data.Storage, p.Data.ByteOffset, source.ByteLength);
        }
        Assert.True(k > 0, "nothing trainable to perturb");
    }

    // The logits of the folder's inputs through `forward`, in-process.
    private static float[] InProcess(IBackend backend, string model, Func<Tape, ModelInputs, Variable> forward)
    {
        using var file = InputsFile.Open(Inputs(model));
        var inputs = file.Read(backend);
        using var tape = new Tape(backend, recordGradients: false);
        return forward(tape, inputs).Data.ToArray<float>();
    }

    private static (float[] Logits, int[] Shape, string Message) Cli(string model, string adapter, TempFolder temp, string? folder = null)
    {
        string output = Path.Combine(temp.Path, "logits.safetensors");
        var r = CliResult.Run("forward", "--model", folder ?? ModelFixtures.Folder(model), "--adapter", adapter, "--inputs", Inputs(model), "--output", output).Succeeds();
        using var file = Safetensors.Open(output);
        return (file.ReadFloats("logits"), file.Info("logits").Shape.ToArray(), r.Out);
    }

    private static float[] Plain(IBackend backend, string model) =>
        InProcess(backend, model, (tape, inputs) => HfCheckpoint.Load(backend, ModelFixtures.Folder(model)).Forward(tape, inputs));

    [Theory]
    [InlineData("gpt2-tiny")]
    [InlineData("llama-tiny")]
    [InlineData("t5-tiny")]
    public void Ia3_forward_is_the_adapted_models(string name)
    {
        using var temp = new TempFolder();
        using var backend = Backend.Create("cpu");
        var model = HfCheckpoint.Load(backend, ModelFixtures.Folder(name));
        Ia3.Apply(model, Ia3Config.For(model.ModelType));
        Perturb(model.Module);
        string adapter = Path.Combine(temp.Path, "ia3");
        Ia3Adapter.Save(model, adapter);

        var (logits, _, message) = Cli(name, adapter, temp);
        Assert.Contains("with the IA3 adapter", message);
        Assert.Equal(InProcess(backend, name, model.Forward), logits);
        Assert.True(ModelFixtures.MaxAbsDifference(Plain(backend, name), logits) > 1e-4, "the adapter changed nothing");
    }

    [Theory]
    [InlineData("gpt2-tiny")]
    [InlineData("t5-tiny")]
    public void BitFit_forward_is_the_adapted_models(string name)
    {
        using var temp = new TempFolder();
        using var backend = Backend.Create("cpu");
        var model = HfCheckpoint.Load(backend, ModelFixtures.Folder(name));
        BitFit.Apply(model.Module, includeNorms: true);
        Perturb(model.Module);
        string adapter = Path.Combine(temp.Path, "bitfit");
        BitFitAdapter.Save(model.Module, adapter, includeNorms: true);

        var (logits, _, message) = Cli(name, adapter, temp);
        Assert.Contains("with the BITFIT adapter", message);
        Assert.Equal(InProcess(backend, name, model.Forward), logits);
        Assert.True(ModelFixtures.MaxAbsDifference(Plain(backend, name), logits) > 1e-4, "the adapter changed nothing");
    }

    [Theory]
    [InlineData("gpt2-tiny")]
    [InlineData("llama-tiny")]
    [InlineData("bert-tiny")]
    [InlineData("t5-tiny")]
    public void Prompt_tuning_forward_is_peft_model_forward(string name)
    {
        using var temp = new TempFolder();
        using var backend = Backend.Create("cpu");
        var model = HfCheckpoint.Load(backend, ModelFixtures.Folder(name));
        var tuning = PromptTuning.Apply(model, new PromptTuningConfig { NumVirtualTokens = 3 }, seed: 7);
        string adapter = Path.Combine(temp.Path, "prompt");
        PromptTuningAdapter.Save(tuning, adapter);

        var (logits, shape, message) = Cli(name, adapter, temp);
        Assert.Contains("with the PROMPT_TUNING adapter", message);
        Assert.Equal(InProcess(backend, name, (tape, inputs) => tuning.Forward(tape, inputs.InputIds, inputs.AttentionMask, inputs.DecoderInputIds)), logits);
        using var inputs = Safetensors.Open(Inputs(name));
        var ids = inputs.Info("input_ids").Shape;
        if (model.Family == ModelFamily.EncoderDecoder)
            Assert.Equal(inputs.Info("decoder_input_ids").Shape[1], shape[1]);
        else
        {
            Assert.Equal(ids[1] + 3, shape[1]);
            Assert.Contains("3 virtual tokens' positions first", message);
        }
    }

    [Theory]
    [InlineData("gpt2-tiny", false)]   // greedy, this random GPT-2 repeats the prompt's last token whatever comes before
    [InlineData("llama-tiny", true)]
    public void Prompt_tuning_generate_is_the_soft_prompted_decoder_language_model(string name, bool changesTokens)
    {
        using var temp = new TempFolder();
        using var backend = Backend.Create("cpu");
        string folder = ModelFixtures.Folder(name);
        var model = (DecoderModel)HfCheckpoint.Load(backend, folder);
        var tuning = PromptTuning.Apply(model, new PromptTuningConfig { NumVirtualTokens = 4 }, seed: 3);
        string adapter = Path.Combine(temp.Path, "prompt");
        PromptTuningAdapter.Save(tuning, adapter);

        int[] prompt = [3, 1, 4, 1, 5];
        var r = CliResult.Run("generate", "--model", folder, "--adapter", adapter, "--prompt-ids", "3,1,4,1,5", "--max-new-tokens", "8", "--format", "json").Succeeds();
        int[] tokens = JsonDocument.Parse(r.Out).RootElement.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32()).ToArray();

        // The fixtures carry no tokenizer; the language model only checks that the tokenizer's vocabulary fits.
        var language = new DecoderLanguageModel(model.Gpt, HfTokenizer.Load(TokenizedModelFolder.Create(temp)), name, eosTokenIds: model.EosTokenIds,
            softPrompt: tuning.Prompt.Embedding.Weight.Data);
        var expected = language.GenerateGreedy(prompt, 8);
        Assert.Equal(0, expected.TruncatedContextTokens);
        Assert.Equal([.. prompt, .. expected.Tokens], tokens);
        int[] plain = model.Generate(prompt, new GenerationOptions { MaxNewTokens = 8 });
        Assert.True(plain.SequenceEqual(tokens) != changesTokens, $"with the soft prompt {string.Join(",", tokens)}, without {string.Join(",", plain)}");
    }

    [Fact]
    public void Prompt_tuning_generate_samples_and_decodes_text()
    {
        using var temp = new TempFolder();
        using var backend = Backend.Create("cpu");
        string folder = TokenizedModelFolder.Create(temp);
        var tuning = PromptTuning.Apply(HfCheckpoint.Load(backend, folder), new PromptTuningConfig { NumVirtualTokens = 2 }, seed: 3);
        string adapter = Path.Combine(temp.Path, "prompt");
        PromptTuningAdapter.Save(tuning, adapter);

        // A seed fixes the draws; another seed draws others.
        string[] Sampled(string seed) =>
            ["generate", "--model", folder, "--adapter", adapter, "--prompt", "the cat", "--max-new-tokens", "12", "--temperature", "1.5", "--seed", seed];
        string first = CliResult.Run(Sampled("5")).Succeeds().Out;
        Assert.StartsWith("the cat", first);
        Assert.Equal(first, CliResult.Run(Sampled("5")).Succeeds().Out);
        Assert.NotEqual(first, CliResult.Run(Sampled("6")).Succeeds().Out);

        // The context holds the virtual tokens too.
        CliResult.Run("generate", "--model", folder, "--adapter", adapter, "--prompt-ids", "1,2,3", "--max-new-tokens", "10000", "--format", "json")
            .AssertUserError("the adapter's 2 virtual tokens, the prompt's 3 tokens and 10000 new tokens exceed the model's context");
    }

    [Fact]
    public void Prompt_tuning_generate_on_t5_puts_the_prompt_in_front_of_the_encoder_input()
    {
        using var temp = new TempFolder();
        using var backend = Backend.Create("cpu");
        var model = HfCheckpoint.Load(backend, ModelFixtures.Folder("t5-tiny"));
        var tuning = PromptTuning.Apply(model, new PromptTuningConfig { NumVirtualTokens = 2 }, seed: 9);
        string adapter = Path.Combine(temp.Path, "prompt");
        PromptTuningAdapter.Save(tuning, adapter);

        var r = CliResult.Run("generate", "--model", ModelFixtures.Folder("t5-tiny"), "--adapter", adapter, "--prompt-ids", "3,1,4,1,5", "--max-new-tokens", "5", "--format", "json").Succeeds();
        int[] tokens = JsonDocument.Parse(r.Out).RootElement.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32()).ToArray();

        // Greedy, token by token through the whole prompt-tuned model (no cache): the same tokens.
        long[] ids = [3, 1, 4, 1, 5];
        var decoder = new List<long> { tokens[0] };
        for (int step = 1; step < tokens.Length; step++)
        {
            using var input = Tensor.From(backend, ids, 1, ids.Length);
            using var decoderIds = Tensor.From(backend, decoder.ToArray(), 1, decoder.Count);
            using var tape = new Tape(backend, recordGradients: false);
            float[] logits = tuning.Forward(tape, input, null, decoderIds).Data.ToArray<float>();
            var last = logits.AsSpan(logits.Length - model.VocabularySize);
            int best = 0;
            for (int v = 1; v < last.Length; v++) if (last[v] > last[best]) best = v;
            Assert.Equal(best, tokens[step]);
            decoder.Add(best);
        }
    }

    [Theory]
    [InlineData("gpt2-tiny")]
    [InlineData("llama-tiny")]
    [InlineData("bert-tiny")]
    [InlineData("t5-tiny")]
    public void Bottleneck_forward_is_the_adapted_models(string name)
    {
        using var temp = new TempFolder();
        using var backend = Backend.Create("cpu");
        var model = HfCheckpoint.Load(backend, ModelFixtures.Folder(name));
        Houlsby.Apply(model, new HoulsbyConfig { ReductionFactor = 4 }, seed: 5);
        Perturb(model.Module);
        string adapter = Path.Combine(temp.Path, "bottleneck");
        HoulsbyAdapter.Save(model, adapter);

        var (logits, _, message) = Cli(name, adapter, temp);
        Assert.Contains("with the BOTTLENECK adapter", message);
        Assert.Equal(InProcess(backend, name, model.Forward), logits);
        Assert.True(ModelFixtures.MaxAbsDifference(Plain(backend, name), logits) > 1e-4, "the adapter changed nothing");
    }

    [Theory]
    [InlineData("gpt2-tiny")]
    [InlineData("llama-tiny")]
    public void Bottleneck_generate_is_the_adapted_models_greedy_decode(string name)
    {
        using var temp = new TempFolder();
        using var backend = Backend.Create("cpu");
        string folder = ModelFixtures.Folder(name);
        var model = (DecoderModel)HfCheckpoint.Load(backend, folder);
        Houlsby.Apply(model, new HoulsbyConfig { ReductionFactor = 4 }, seed: 5);
        Perturb(model.Module);
        string adapter = Path.Combine(temp.Path, "bottleneck");
        HoulsbyAdapter.Save(model, adapter);

        var r = CliResult.Run("generate", "--model", folder, "--adapter", adapter, "--prompt-ids", "3,1,4,1,5", "--max-new-tokens", "8", "--format", "json").Succeeds();
        int[] tokens = JsonDocument.Parse(r.Out).RootElement.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32()).ToArray();

        // Greedy, token by token through the whole adapted model (no KV cache): the CLI's cached generation runs the
        // block adapters too.
        var sequence = new List<int> { 3, 1, 4, 1, 5 };
        while (sequence.Count < tokens.Length)
        {
            using var ids = Tensor.From(backend, sequence.ToArray(), 1, sequence.Count);
            using var tape = new Tape(backend, recordGradients: false);
            float[] logits = model.Gpt.Forward(tape, ids).Data.ToArray<float>();
            var last = logits.AsSpan(logits.Length - model.VocabularySize);
            int best = 0;
            for (int v = 1; v < last.Length; v++) if (last[v] > last[best]) best = v;
            sequence.Add(best);
            if (model.EosTokenIds.Contains(best)) break;
        }
        Assert.Equal(sequence, tokens);
        int[] plain = HfCheckpoint.Load(backend, folder).Generate([3, 1, 4, 1, 5], new GenerationOptions { MaxNewTokens = 8 });
        Assert.False(plain.SequenceEqual(tokens), $"with the adapters {string.Join(",", tokens)}, without {string.Join(",", plain)}");
    }

    [Fact]
    public void Bottleneck_generate_on_t5_is_the_adapted_models_uncached_generate()
    {
        using var temp = new TempFolder();
        using var backend = Backend.Create("cpu");
        string folder = ModelFixtures.Folder("t5-tiny");
        var model = HfCheckpoint.Load(backend, folder);
        Houlsby.Apply(model, new HoulsbyConfig { ReductionFactor = 4 }, seed: 5);
        // Adapters far from the identity: this random T5 greedily repeats one token unless pushed hard.
        Perturb(model.Module);
        foreach (var (_, p) in model.Module.NamedParameters().Where(p => p.Parameter.RequiresGrad))
        {
            float[] values = p.Data.ToArray<float>().Select((v, i) => 20 * v + MathF.Sin(i)).ToArray();
            using var source = Tensor.From(backend, values, p.Shape.ToArray());
            backend.Copy(source.Storage, source.ByteOffset, p.Data.Storage, p.Data.ByteOffset, source.ByteLength);
        }
        string adapter = Path.Combine(temp.Path, "bottleneck");
        HoulsbyAdapter.Save(model, adapter);

        var r = CliResult.Run("generate", "--model", folder, "--adapter", adapter, "--prompt-ids", "3,1,4,1,5", "--max-new-tokens", "6", "--format", "json").Succeeds();
        int[] tokens = JsonDocument.Parse(r.Out).RootElement.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.Equal(model.Generate([3, 1, 4, 1, 5], new GenerationOptions { MaxNewTokens = 6, UseKvCache = false }), tokens);
        int[] plain = HfCheckpoint.Load(backend, folder).Generate([3, 1, 4, 1, 5], new GenerationOptions { MaxNewTokens = 6 });
        Assert.False(plain.SequenceEqual(tokens), $"with the adapters {string.Join(",", tokens)}, without {string.Join(",", plain)}");
    }

    [Theory]
    [InlineData("gpt2-tiny")]
    [InlineData("llama-tiny")]
    [InlineData("bert-tiny")]
    [InlineData("t5-tiny")]
    public void Prefix_tuning_forward_is_peft_model_forward(string name)
    {
        using var temp = new TempFolder();
        using var backend = Backend.Create("cpu");
        var model = HfCheckpoint.Load(backend, ModelFixtures.Folder(name));
        var tuning = PrefixTuning.Apply(model, new PrefixTuningConfig { NumVirtualTokens = 3 }, seed: 7);
        string adapter = Path.Combine(temp.Path, "prefix");
        PrefixTuningAdapter.Save(tuning, adapter);

        var (logits, shape, message) = Cli(name, adapter, temp);
        bool t5 = name == "t5-tiny";
        Assert.Contains(t5 ? "with the PREFIX_TUNING adapter on" : "with the PREFIX_TUNING adapter (the tokens' positions only, counted from 3 after its 3 virtual tokens)", message);
        Assert.Equal(InProcess(backend, name, (tape, inputs) => tuning.Forward(tape, inputs.InputIds, inputs.AttentionMask, inputs.DecoderInputIds)), logits);
        using var inputs = Safetensors.Open(Inputs(name));
        Assert.Equal(inputs.Info(t5 ? "decoder_input_ids" : "input_ids").Shape[1], shape[1]);
        Assert.True(ModelFixtures.MaxAbsDifference(Plain(backend, name), logits) > 1e-4, "the adapter changed nothing");
    }

    [Theory]
    [InlineData("gpt2-tiny")]
    [InlineData("llama-tiny")]
    public void Prefix_tuning_generate_is_the_prefixed_models_greedy_decode(string name)
    {
        using var temp = new TempFolder();
        using var backend = Backend.Create("cpu");
        string folder = ModelFixtures.Folder(name);
        var model = HfCheckpoint.Load(backend, folder);
        var tuning = PrefixTuning.Apply(model, new PrefixTuningConfig { NumVirtualTokens = 2 }, seed: 1);
        string adapter = Path.Combine(temp.Path, "prefix");
        PrefixTuningAdapter.Save(tuning, adapter);
        var r = CliResult.Run("generate", "--model", folder, "--adapter", adapter, "--prompt-ids", "3,1,4,1,5", "--max-new-tokens", "6", "--format", "json").Succeeds();
        int[] tokens = JsonDocument.Parse(r.Out).RootElement.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32()).ToArray();

        // Greedy, token by token through PrefixTuning.Forward over the whole sequence (no KV cache).
        var sequence = new List<int> { 3, 1, 4, 1, 5 };
        while (sequence.Count < tokens.Length)
        {
            using var ids = Tensor.From(backend, sequence.ToArray(), 1, sequence.Count);
            using var tape = new Tape(backend, recordGradients: false);
            float[] logits = tuning.Forward(tape, ids).Data.ToArray<float>();
            var last = logits.AsSpan(logits.Length - model.VocabularySize);
            int best = 0;
            for (int v = 1; v < last.Length; v++) if (last[v] > last[best]) best = v;
            sequence.Add(best);
            if (model.EosTokenIds.Contains(best)) break;
        }
        Assert.Equal(sequence, tokens);
    }

    [Fact]
    public void Prefix_tuning_generate_on_t5_is_the_prefixed_models_greedy_decode()
    {
        using var temp = new TempFolder();
        using var backend = Backend.Create("cpu");
        string folder = ModelFixtures.Folder("t5-tiny");
        var model = (T5Model)HfCheckpoint.Load(backend, folder);
        var tuning = PrefixTuning.Apply(model, new PrefixTuningConfig { NumVirtualTokens = 2 }, seed: 1);
        string adapter = Path.Combine(temp.Path, "prefix");
        PrefixTuningAdapter.Save(tuning, adapter);
        var r = CliResult.Run("generate", "--model", folder, "--adapter", adapter, "--prompt-ids", "3,1,4,1,5", "--max-new-tokens", "6", "--format", "json").Succeeds();
        int[] tokens = JsonDocument.Parse(r.Out).RootElement.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32()).ToArray();

        // Greedy, token by token through PrefixTuning.Forward over the whole decoder sequence (no KV cache): the cached
        // generation holds the prefix in the self-attention caches and puts it ahead of the encoder's keys and values.
        using var input = Tensor.From(backend, new[] { 3, 1, 4, 1, 5 }, 1, 5);
        var sequence = new List<int> { model.DecoderStartTokenId ?? model.PadTokenId ?? 0 };
        while (sequence.Count < tokens.Length)
        {
            using var decoder = Tensor.From(backend, sequence.ToArray(), 1, sequence.Count);
            using var tape = new Tape(backend, recordGradients: false);
            float[] logits = tuning.Forward(tape, input, decoderInputIds: decoder).Data.ToArray<float>();
            var last = logits.AsSpan(logits.Length - model.VocabularySize);
            int best = 0;
            for (int v = 1; v < last.Length; v++) if (last[v] > last[best]) best = v;
            sequence.Add(best);
            if (model.EosTokenIds.Contains(best)) break;
        }
        Assert.Equal(sequence, tokens);
        int[] plain = HfCheckpoint.Load(backend, folder).Generate([3, 1, 4, 1, 5], new GenerationOptions { MaxNewTokens = 6 });
        Assert.False(plain.SequenceEqual(tokens), $"with the prefix {string.Join(",", tokens)}, without {string.Join(",", plain)}");
    }

    [Fact]
    public void Lora_over_a_quantised_folder_runs_as_qlora()
    {
        using var temp = new TempFolder();
        using var backend = Backend.Create("cpu");
        string adapter = ModelFixtures.Folder("gpt2-lora-adapter"), expected = Path.Combine(adapter, "expected.safetensors");
        string quantised = Path.Combine(temp.Path, "int8"), output = Path.Combine(temp.Path, "o.safetensors");
        CliResult.Run("quantize", "--model", ModelFixtures.Folder("gpt2-lora-base"), "--format", "int8", "--output", quantised).Succeeds();
        CliResult.Run("forward", "--model", quantised, "--adapter", adapter, "--inputs", expected, "--output", output).Succeeds();

        var model = HfCheckpoint.Load(backend, quantised);
        PeftAdapter.Load(model, adapter);
        float[] inProcess;
        using (var file = InputsFile.Open(expected))
        {
            var inputs = file.Read(backend);
            using var tape = new Tape(backend, recordGradients: false);
            inProcess = model.Forward(tape, inputs).Data.ToArray<float>();
        }
        float[] logits = ModelFixtures.ReadLogits(output);
        Assert.Equal(inProcess, logits);
        // The adapter is applied: the quantised base alone gives other logits.
        string plain = Path.Combine(temp.Path, "plain.safetensors");
        CliResult.Run("forward", "--model", quantised, "--inputs", expected, "--output", plain).Succeeds();
        Assert.True(ModelFixtures.MaxAbsDifference(ModelFixtures.ReadLogits(plain), logits) > 1e-3, "the adapter changed nothing");

        var r = CliResult.Run("generate", "--model", quantised, "--adapter", adapter, "--prompt-ids", "3,1,4", "--max-new-tokens", "4", "--format", "json").Succeeds();
        Assert.Contains("tokens", r.Out);
    }

    [Theory]
    [InlineData("{\"peft_type\": \"LOHA\"}", "\"peft_type\" \"LOHA\" is not an adapter kind LlmLab reads (it reads LORA, IA3, BITFIT, PROMPT_TUNING, PREFIX_TUNING, BOTTLENECK)")]
    [InlineData("{\"r\": 8}", "no \"peft_type\" (LlmLab reads LORA, IA3, BITFIT, PROMPT_TUNING, PREFIX_TUNING, BOTTLENECK)")]
    [InlineData("{\"peft_type\": \"PREFIX_TUNING\"}", "\"num_virtual_tokens\" must be a whole number >= 1, got nothing")]
    [InlineData("[1, 2", "not valid JSON")]
    public void A_peft_type_llmlab_does_not_read_is_one_line(string config, string message)
    {
        using var temp = new TempFolder();
        string adapter = Path.Combine(temp.Path, "adapter");
        Directory.CreateDirectory(adapter);
        File.WriteAllText(Path.Combine(adapter, "adapter_config.json"), config);
        CliResult.Run("forward", "--model", ModelFixtures.Folder("gpt2-tiny"), "--adapter", adapter, "--inputs", Inputs("gpt2-tiny"),
            "--output", Path.Combine(temp.Path, "o.safetensors")).AssertUserError(message);
        CliResult.Run("generate", "--model", ModelFixtures.Folder("gpt2-tiny"), "--adapter", adapter, "--prompt-ids", "1", "--max-new-tokens", "1", "--format", "json")
            .AssertUserError(message);
    }
}
