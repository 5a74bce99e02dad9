namespace LlmLab.Experiments;

/// <summary>
/// The model a later recipe (generate, finetune, quantize, evaluate) starts from: a folder saved by an earlier run
/// (<c>BaseModel: runs/pretrain/.../model</c>), or, when none is named, one pre-trained at the start of this run with
/// the pretrain recipe's defaults for <paramref name="pretrainSteps"/> steps on <paramref name="documents"/> documents,
/// with the given tokenizer and a context of <paramref name="contextLength"/> tokens (dialogue summarisation needs
/// about 512 characters, or 192 BPE tokens) and a checkpoint every <paramref name="checkpointInterval"/> steps
/// (0: the pretrain recipe's every quarter).
/// </summary>
public static class ModelSource
{
    public static TinyGpt Obtain(ExperimentContext context, string baseModel, int pretrainSteps, TokenizerKind tokenizer = TokenizerKind.Char,
        int vocabularySize = 2048, int documents = 4000, int contextLength = 64,
        int checkpointInterval = 0)
    {
        if (!string.IsNullOrWhiteSpace(baseModel))
        {
            if (!Directory.Exists(baseModel))
                throw new ExperimentConfigException($"BaseModel: the folder '{baseModel}' does not exist (give a model/ folder of an earlier pretrain run, or leave it empty to pre-train here)");
            context.Log($"base model: {baseModel}");
            return TinyGpt.Load(context.Backend, baseModel);
        }
        // Validation reads as many tokens as the default 20 batches at context 64 do: at 512, 20 batches would cost
        // as much as a dozen training steps at each evaluation.
        int evaluationBatches = Math.Max(2, 20 * 64 / contextLength);
        return PretrainRecipe.Pretrain(new PretrainConfig
        {
            Steps = pretrainSteps, Documents = documents, Context = contextLength, EvaluationBatches = evaluationBatches,
            Tokenizer = tokenizer, VocabularySize = vocabularySize,
            CheckpointInterval = checkpointInterval,
        }, context);
    }
}
