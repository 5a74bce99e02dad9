namespace LlmLab.Experiments;

/// <summary>
/// The base model of the prompting recipes: a saved one, or one pre-trained here with the pretrain recipe's
/// defaults, a context long enough for a few shots and a share of labelled task text in its corpus, so that it knows
/// something about the tasks without having seen an instruction.
/// </summary>
public static class PromptingBase
{
    public static TinyGpt Obtain(ExperimentContext context, string baseModel, int pretrainSteps, TokenizerKind tokenizer,
        int vocabularySize, int contextLength, double labelledText, int checkpointInterval)
    {
        if (!string.IsNullOrWhiteSpace(baseModel)) return ModelSource.Obtain(context, baseModel, pretrainSteps);
        return PretrainRecipe.Pretrain(new PretrainConfig
        {
            Steps = pretrainSteps, Context = contextLength, BatchSize = 16, LearningRate = 2e-3, EvaluationBatches = 4,
            EvaluationInterval = Math.Max(1, pretrainSteps / 4), Tokenizer = tokenizer, VocabularySize = vocabularySize,
            LabelledText = labelledText, CheckpointInterval = checkpointInterval,
        }, context);
    }
}
