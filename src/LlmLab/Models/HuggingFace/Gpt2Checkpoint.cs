using System.Text.Json;
using LlmLab.Backends;
using LlmLab.IO;
using LlmLab.Tensors;

namespace LlmLab.Models.HuggingFace;

/// <summary>
/// A Hugging Face GPT2LMHeadModel folder (config.json + model.safetensors) as LlmLab's <see cref="Gpt"/>. GPT-2
/// stores its projections as Conv1D weights [in, out] and fuses q, k and v into one c_attn [C, 3C]; LlmLab's Linear
/// holds [out, in] with separate q_proj, k_proj and v_proj, so each weight is transposed and c_attn is cut in three.
/// "gelu_new" is the tanh GELU LlmLab computes; LayerNorm's epsilon comes from layer_norm_epsilon.
/// </summary>
public static class Gpt2Checkpoint
{
    public static Gpt Load(IBackend backend, string folder)
    {
        string configPath = Path.Combine(folder, "config.json");
        var config = ReadConfig(configPath);
        var gpt = new Gpt(backend, config.Gpt with { NormEpsilon = config.Epsilon }, seed: 0);
        string weightsPath = Path.Combine(folder, "model.safetensors");
        if (!File.Exists(weightsPath) && File.Exists(Path.Combine(folder, "pytorch_model.bin")))
            throw new InvalidDataException(
                $"{folder} holds pytorch_model.bin, a PyTorch pickle: LlmLab reads only safetensors, because unpickling a file can run "
                + "any code it contains. Convert it where transformers is installed: AutoModelForCausalLM.from_pretrained(folder)"
                + ".save_pretrained(folder, safe_serialization=True) writes model.safetensors.");
        using var file = Safetensors.Open(weightsPath);
        string prefix = file.Contains("transformer.wte.weight") ? "transformer." : "";
        var parameters = gpt.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Data);
        int c = config.Gpt.Width;

        void Copy(string name, float[] values)
        {
            var target = parameters[name];
            if (values.Length != target.ElementCount)
                throw new InvalidDataException($"{weightsPath}: '{name}' needs {target.ElementCount} values ({target.Shape}), the file gives {values.Length}");
            backend.Write(target.Storage, target.ByteOffset, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        }
        float[] Read(string name, params int[] shape)
        {
            string full = prefix + name;
            if (!file.Contains(full)) throw new InvalidDataException($"{weightsPath}: no tensor '{full}' (is this a GPT-2 checkpoint?)");
            var info = file.Info(full);
            if (!info.Shape.SequenceEqual(shape))
                throw new InvalidDataException($"{weightsPath}: '{full}' is [{string.Join(", ", info.Shape)}], config.json implies [{string.Join(", ", shape)}]");
            return file.ReadFloats(full);
        }

        Copy("wte.weight", Read("wte.weight", config.Gpt.VocabularySize, c));
        Copy("wpe.weight", Read("wpe.weight", config.Gpt.Context, c));
        for (int i = 0; i < config.Gpt.Layers; i++)
        {
            string h = $"h.{i}.";
            foreach (string norm in new[] { "ln_1", "ln_2" })
            {
                Copy($"{h}{norm}.weight", Read($"{h}{norm}.weight", c));
                Copy($"{h}{norm}.bias", Read($"{h}{norm}.bias", c));
            }
            var attention = Read($"{h}attn.c_attn.weight", c, 3 * c);
            var attentionBias = Read($"{h}attn.c_attn.bias", 3 * c);
            string[] projections = ["q_proj", "k_proj", "v_proj"];
            for (int part = 0; part < 3; part++)
            {
                Copy($"{h}attn.{projections[part]}.weight", Transposed(attention, c, 3 * c, part * c, c));
                Copy($"{h}attn.{projections[part]}.bias", attentionBias[(part * c)..((part + 1) * c)]);
            }
            Copy($"{h}attn.o_proj.weight", Transposed(Read($"{h}attn.c_proj.weight", c, c), c, c, 0, c));
            Copy($"{h}attn.o_proj.bias", Read($"{h}attn.c_proj.bias", c));
            int hidden = config.Gpt.MlpHidden;
            Copy($"{h}mlp.c_fc.weight", Transposed(Read($"{h}mlp.c_fc.weight", c, hidden), c, hidden, 0, hidden));
            Copy($"{h}mlp.c_fc.bias", Read($"{h}mlp.c_fc.bias", hidden));
            Copy($"{h}mlp.c_proj.weight", Transposed(Read($"{h}mlp.c_proj.weight", hidden, c), hidden, c, 0, c));
            Copy($"{h}mlp.c_proj.bias", Read($"{h}mlp.c_proj.bias", c));
        }
        Copy("ln_f.weight", Read("ln_f.weight", c));
        Copy("ln_f.bias", Read("ln_f.bias", c));
        return gpt;
    }

    // Columns [start, start + count) of a row-major [rows, columns] Conv1D weight, as a Linear weight [count, rows].
    private static float[] Transposed(float[] weight, int rows, int columns, int start, int count)
    {
        var result = new float[count * rows];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < count; j++)
                result[j * rows + r] = weight[r * columns + start + j];
        return result;
    }

    private static (GptConfig Gpt, float Epsilon) ReadConfig(string path)
    {
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = json.RootElement;
            string type = root.TryGetProperty("model_type", out var t) ? t.GetString() ?? "" : "";
            if (type != "gpt2") throw new InvalidDataException($"model_type is \"{type}\", not \"gpt2\"");
            string activation = root.TryGetProperty("activation_function", out var a) ? a.GetString() ?? "" : "gelu_new";
            if (activation is not ("gelu_new" or "gelu_pytorch_tanh"))
                throw new InvalidDataException($"activation_function \"{activation}\" is not supported (LlmLab's GELU is the tanh form, \"gelu_new\")");
            if (root.TryGetProperty("tie_word_embeddings", out var tie) && tie.ValueKind == JsonValueKind.False)
                throw new InvalidDataException("an untied GPT-2 head is not supported yet");
            int width = root.GetProperty("n_embd").GetInt32();
            int inner = root.TryGetProperty("n_inner", out var n) && n.ValueKind == JsonValueKind.Number ? n.GetInt32() : 4 * width;
            float epsilon = root.TryGetProperty("layer_norm_epsilon", out var e) ? e.GetSingle() : 1e-5f;
            var config = new GptConfig
            {
                VocabularySize = root.GetProperty("vocab_size").GetInt32(), Context = root.GetProperty("n_positions").GetInt32(),
                Layers = root.GetProperty("n_layer").GetInt32(), Heads = root.GetProperty("n_head").GetInt32(), Width = width,
                MlpRatio = (float)inner / width,
            };
            return (config.Validate(), epsilon);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or KeyNotFoundException
                                       or InvalidOperationException or FormatException or InvalidDataException or ArgumentException)
        {
            throw new InvalidDataException($"{path}: not a GPT-2 config this loader reads ({ex.Message})", ex);
        }
    }
}
