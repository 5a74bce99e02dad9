namespace LlmLab.Experiments;

/// <summary>
/// What a model that sees only the previous token can reach: a count-based bigram model fitted on the training
/// tokens, interpolated with the add-one unigram distribution (Jelinek-Mercer smoothing), scored on the validation
/// tokens. The interpolation weight is the best of a grid on the validation tokens themselves, which flatters the
/// baseline: a network that beats it has learned more than pairs of tokens.
/// </summary>
public static class BigramBaseline
{
    private static readonly double[] Weights = [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 0.99, 0.999];

    /// <summary>Mean negative log-likelihood (nats a token) of <paramref name="validation"/>'s tokens after its first.</summary>
    public static double CrossEntropy(ReadOnlySpan<int> train, ReadOnlySpan<int> validation, int vocabulary)
    {
        if (train.Length < 2 || validation.Length < 2) throw new ArgumentException("a bigram model needs at least two training and two validation tokens");
        var pairs = new Dictionary<long, int>();
        var previous = new int[vocabulary];
        var unigram = new double[vocabulary];
        for (int i = 0; i < train.Length; i++)
        {
            unigram[train[i]]++;
            if (i == 0) continue;
            previous[train[i - 1]]++;
            long key = (long)train[i - 1] * vocabulary + train[i];
            pairs[key] = pairs.GetValueOrDefault(key) + 1;
        }
        for (int t = 0; t < vocabulary; t++) unigram[t] = (unigram[t] + 1) / (train.Length + vocabulary);

        var sums = new double[Weights.Length];
        for (int i = 1; i < validation.Length; i++)
        {
            int before = validation[i - 1], token = validation[i];
            double bigram = previous[before] == 0 ? 0 : (double)pairs.GetValueOrDefault((long)before * vocabulary + token) / previous[before];
            for (int w = 0; w < Weights.Length; w++)
                sums[w] -= Math.Log(Weights[w] * bigram + (1 - Weights[w]) * unigram[token]);
        }
        return sums.Min() / (validation.Length - 1);
    }
}
