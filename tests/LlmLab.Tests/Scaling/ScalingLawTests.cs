using LlmLab.Scaling;

namespace LlmLab.Tests.Scaling;

/// <summary>The parametric law and its compute-optimal frontier (Hoffmann et al. eq. 4) against hand computations.</summary>
public class ScalingLawTests
{
    [Fact]
    public void Loss_adds_the_three_terms()
    {
        var law = new ScalingLaw(E: 2, A: 100, B: 1000, Alpha: 0.5, Beta: 0.5);
        Assert.Equal(2 + 100 / 1e3 + 1000 / 1e4, law.Loss(1e6, 1e8), 1e-14); // 2 + 0.1 + 0.1
    }

    [Fact]
    public void Symmetric_laws_split_compute_by_hand()
    {
        // alpha = beta = 1/2: a = b = 1/2 and G = (A / B)^1, so N_opt = (A/B) sqrt(C/6) and D_opt = (B/A) sqrt(C/6).
        var even = new ScalingLaw(E: 1, A: 1, B: 1, Alpha: 0.5, Beta: 0.5);
        var (n, d) = even.ComputeOptimal(6e20);
        Assert.Equal(1e10, n, 1e10 * 1e-12);
        Assert.Equal(1e10, d, 1e10 * 1e-12);

        var skewed = new ScalingLaw(E: 1, A: 4, B: 1, Alpha: 0.5, Beta: 0.5);
        Assert.Equal(4, skewed.G, 1e-12);
        (n, d) = skewed.ComputeOptimal(6e20);
        Assert.Equal(4e10, n, 4e10 * 1e-12);
        Assert.Equal(2.5e9, d, 2.5e9 * 1e-12);
        Assert.Equal(1e20, n * d, 1e20 * 1e-12); // N D = C / 6
    }

    [Fact]
    public void Compute_optimal_is_the_minimum_along_the_budget()
    {
        foreach (var law in ScalingData.Laws)
        {
            const double c = 1e21;
            var (n, d) = law.ComputeOptimal(c);
            Assert.Equal(c, 6 * n * d, c * 1e-12);
            foreach (double factor in new[] { 0.98, 1.02 })
                Assert.True(law.Loss(n * factor, d / factor) > law.Loss(n, d), $"{law} at {factor}");
        }
    }

    [Fact]
    public void Chinchilla_published_fit_at_gophers_budget()
    {
        // By hand, C = 5.76e23 (Gopher's and Chinchilla's budget), C/6 = 9.6e22, ln(9.6e22) = 52.918635:
        //   alpha A = 0.34 · 406.4 = 138.176, beta B = 0.28 · 410.7 = 114.996, ratio 1.2015722
        //   G = 1.2015722^(1/0.62) = 1.3447106, a = 0.28/0.62 = 0.4516129, b = 0.34/0.62 = 0.5483871
        //   (C/6)^a = exp(0.4516129 · 52.918635) = exp(23.898738) = 2.3938131e10
        //   N_opt = G · 2.3938131e10 = 3.2189859e10, D_opt = (C/6) / N_opt = 2.9823057e12 (92.6 tokens a parameter)
        // So the law as printed gives 32B parameters, not the 70B of Chinchilla itself or the 67B and 63B of the
        // paper's Approaches 1 and 2: with these rounded constants a and b are 0.45 and 0.55, and the small gap
        // between alpha and beta compounds over 23 e-folds of compute. Besiroglu et al. 2024 trace the
        // discrepancy to the rounding in the paper's body and to the fit stopping early.
        var law = ScalingLaw.Chinchilla;
        Assert.Equal(0.4516129, law.ExponentA, 1e-7);
        Assert.Equal(0.5483871, law.ExponentB, 1e-7);
        Assert.Equal(1.3447106, law.G, 1e-7);
        var (n, d) = law.ComputeOptimal(5.76e23);
        Assert.Equal(3.2189859e10, n, 3.2189859e10 * 1e-7);
        Assert.Equal(2.9823057e12, d, 2.9823057e12 * 1e-7);
        Assert.Equal(92.6, d / n, 0.05);
        // Within a factor of 2.5 of the 67-70B the paper trained, and on the small side: it is the
        // formula's value, not a target to match.
        Assert.InRange(n, 70e9 / 2.5, 70e9);
    }

    [Fact]
    public void Bad_budgets_are_refused()
    {
        Assert.Throws<ArgumentException>(() => ScalingLaw.Chinchilla.ComputeOptimal(0));
        Assert.Throws<ArgumentException>(() => ScalingLaw.Chinchilla.ComputeOptimal(double.PositiveInfinity));
        Assert.Throws<ArgumentException>(() => new ScalingLaw(1, 1, 1, -0.3, 0.3).ComputeOptimal(1e20));
    }
}
