using System.Globalization;
using LlmLab.Autograd;
using LlmLab.Cli.Engine;
using LlmLab.IO;
using LlmLab.Models.HuggingFace;

namespace LlmLab.Cli.Commands;

/// <summary>
/// <c>llmlab forward</c>: one forward pass of a Hugging Face model over the token ids of a safetensors file, the
/// float32 logits written to another (atomically). What transformers' <c>model(**inputs).logits</c> gives, or with
/// <c>--adapter</c> peft's PeftModel (a prompt-tuning adapter puts its virtual tokens' positions first; a
/// prefix-tuning adapter gives the tokens' positions only, counted from n after its n virtual tokens; T5's decoder
/// reads the prefix).
/// </summary>
public sealed class ForwardCommand : ICommand
{
    public string Name => "forward";

    public string Summary => "run a model folder over input_ids from a .safetensors file; write the logits";

    public string Usage => $"""
        usage: llmlab forward --model DIR [--adapter DIR] --inputs IN.safetensors --output OUT.safetensors [--backend NAME]

          --model DIR           a Hugging Face model folder (or one written by 'llmlab quantize')
        {ModelFolder.AdapterHelp}
          --inputs FILE         int64 input_ids [batch, seq]; optional attention_mask (same shape, 0 = padding)
                                and int64 decoder_input_ids [batch, seq'] for encoder-decoder models
          --output FILE         written atomically: float32 logits [batch, seq, vocab] (seq' for encoder-decoder);
                                with a prompt-tuning adapter a decoder-only or BERT model gives [batch, n + seq, vocab],
                                the adapter's n virtual tokens first, as peft's model(**inputs).logits; with a
                                prefix-tuning adapter [batch, seq, vocab], the tokens only (their positions count
                                from n, after the n virtual tokens every layer reads first; T5: seq', its decoder
                                reading the prefix in self- and cross-attention)
        {BackendOption.Help}

        """;

    public int Run(IReadOnlyList<string> args, CliContext context)
    {
        var options = new OptionParser()
            .Single(ModelFolder.ModelOption).Single(ModelFolder.AdapterOption).Single("--inputs").Single("--output").Single(BackendOption.Name)
            .Parse(args);
        string folder = ModelFolder.Required(options);
        string inputsPath = options.Value("--inputs") ?? throw CliException.Usage("no --inputs given: a .safetensors file with input_ids");
        string output = options.Value("--output") ?? throw CliException.Usage("no --output given: the .safetensors file to write the logits to");

        using var inputs = InputsFile.Open(inputsPath);
        using var backend = BackendOption.Create(options.Value(BackendOption.Name));
        string? adapter = options.Value(ModelFolder.AdapterOption);
        var (model, kind, prompt, prefix) = ModelFolder.Load(backend, folder, adapter);
        var (logits, shape) = UserErrors.Run(() =>
        {
            var modelInputs = inputs.Read(backend);
            try
            {
                using var tape = new Tape(backend, recordGradients: false);
                var result = (prompt is not null ? prompt.Forward(tape, modelInputs.InputIds, modelInputs.AttentionMask, modelInputs.DecoderInputIds)
                    : prefix is not null ? prefix.Forward(tape, modelInputs.InputIds, modelInputs.AttentionMask, modelInputs.DecoderInputIds)
                    : model.Forward(tape, modelInputs)).Data;
                return (result.ToArray<float>(), result.Shape.ToArray());
            }
            finally
            {
                modelInputs.InputIds.Dispose();
                modelInputs.AttentionMask?.Dispose();
                modelInputs.DecoderInputIds?.Dispose();
            }
        });

        var writer = new SafetensorsWriter();
        writer.Metadata["format"] = "pt";
        writer.Add("logits", logits, shape);
        UserErrors.Run(() => writer.Save(output));
        string with = kind is null ? "" : $" with the {kind} adapter";
        if (prompt is not null && model.Family != ModelFamily.EncoderDecoder)
            with += $" (its {prompt.Prompt.VirtualTokens} virtual tokens' positions first)";
        if (prefix is not null && model.Family != ModelFamily.EncoderDecoder)
            with += $" (the tokens' positions only, counted from {prefix.Encoder.VirtualTokens} after its {prefix.Encoder.VirtualTokens} virtual tokens)";
        context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"logits [{string.Join(", ", shape)}] of {model.Architecture}{with} on {backend.Name} written to {output}"));
        return 0;
    }
}
