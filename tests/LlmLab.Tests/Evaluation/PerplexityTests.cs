using LlmLab.Evaluation;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;

namespace LlmLab.Tests.Evaluation;

/// <summary>Perplexity: closed forms (uniform distributions, halves) to 1e-12.</summary>
public class PerplexityTests
{
    [Fact]
    public void Perplexity_is_exp_of_mean_negative_log_likelihood()
    {
        Assert.Equal(2.0, Perplexity.FromLogLikelihoods([Math.Log(0.5), Math.Log(0.5)]), 1e-12);
        Assert.Equal(Math.Sqrt(8), Perplexity.FromLogLikelihoods([Math.Log(0.5), Math.Log(0.25)]), 1e-12);
        Assert.Equal(Math.E, Perplexity.FromMeanNegativeLogLikelihood(1.0), 1e-12);
        Assert.Throws<ArgumentException>(() => Perplexity.FromLogLikelihoods([]));
    }

    [Fact]
    public void Uniform_logits_give_the_vocabulary_size()
    {
        const int vocabulary = 50, tokens = 7;
        var logits = new float[tokens * vocabulary];
        Array.Fill(logits, 3.25f);
        int[] targets = [1, 4, 9, -100, 49, 0, 2];
        Assert.Equal(vocabulary, Perplexity.FromLogits(logits, vocabulary, targets), 1e-9);
        Assert.Equal(6, Perplexity.TokenLogLikelihoods(logits, vocabulary, targets).Length); // -100 ignored
    }

    [Fact]
    public void Log_softmax_is_stable_for_large_logits()
    {
        float[] logits = [1000f, 1000f + MathF.Log(3f)]; // probabilities 1/4 and 3/4
        var lp = Perplexity.TokenLogLikelihoods(logits, 2, [1]);
        Assert.Equal(Math.Log(0.75), lp[0], 1e-4);
    }

    [Fact]
    public void Mean_over_sequences_averages_per_sequence_perplexities()
    {
        double[][] sequences = [[Math.Log(0.5)], [Math.Log(0.25), Math.Log(0.25)]];
        Assert.Equal((2.0 + 4.0) / 2, Perplexity.MeanOverSequences(sequences), 1e-12);
    }

    [Fact]
    public void Bad_shapes_and_targets_are_named()
    {
        var e = Assert.Throws<ArgumentException>(() => Perplexity.FromLogits(new float[10], 4, [0, 1]));
        Assert.Contains("[2, 4]", e.Message);
        e = Assert.Throws<ArgumentException>(() => Perplexity.FromLogits(new float[8], 4, [0, 7]));
        Assert.Contains("target 7", e.Message);
    }

    [Fact]
    public void Tensor_logits_give_the_same_perplexity_as_the_host_array()
    {
        var logits = TestData.Uniform(5, 3 * 11, 2f);
        int[] targets = [3, 0, 10];
        var backend = TestBackends.Get("cpu");
        using var tensor = Tensor.From(backend, logits, 1, 3, 11);
        Assert.Equal(Perplexity.FromLogits(logits, 11, targets), Perplexity.FromLogits(tensor, targets));
        var e = Assert.Throws<ArgumentException>(() => Perplexity.FromLogits(tensor, [1, 2]));
        Assert.Contains("[1, 3, 11]", e.Message);
    }
}
