using System.Text.Json.Nodes;
using LlmLab.Backends;

namespace LlmLab.Models.HuggingFace;

/// <summary>
/// One model_type of config.json (gpt2, llama, bert, t5): builds the LlmLab model its config describes.
/// <see cref="HfCheckpoint"/> picks the architecture by model_type and then imports the weights.
/// </summary>
public interface IHfArchitecture
{
    /// <summary>config.json's model_type.</summary>
    string ModelType { get; }

    /// <summary>
    /// A freshly initialised model (every weight drawn from <paramref name="seed"/>) of the shape config.json gives:
    /// the start of training from scratch, or of a load. A config it cannot honour is an
    /// <see cref="InvalidDataException"/> naming the key.
    /// </summary>
    HfModel Create(IBackend backend, JsonObject config, JsonObject? generationConfig, ulong seed);

    /// <summary>
    /// Reads config.json as <see cref="Create"/> does (the same checks, nothing allocated) and gives, for a folder's
    /// weights, the tensors they must hold: under the names that folder uses (a prefix or legacy spelling it has),
    /// with the shapes config.json implies in Hugging Face's layout. What loading reads, known from config.json alone.
    /// </summary>
    Func<HfWeights, IEnumerable<(string Name, int[] Shape)>> Tensors(JsonObject config);
}
