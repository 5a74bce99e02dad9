namespace LlmLab.Scaling;

/// <summary>
/// The parametric loss of Hoffmann et al. 2022 ("Training Compute-Optimal Large Language Models", eq. 2):
/// L(N, D) = E + A / N^alpha + B / D^beta, with N parameters and D training tokens. E is the loss of an ideal
/// model on the data (the entropy of text), the two other terms what a finite model and finite data add.
/// </summary>
public sealed record ScalingLaw(double E, double A, double B, double Alpha, double Beta)
{
    /// <summary>
    /// Hoffmann et al.'s Approach 3 fit as printed in the paper (section 3.3): E 1.69, A 406.4, B 410.7,
    /// alpha 0.34, beta 0.28. These are rounded; Besiroglu et al. 2024 ("Chinchilla Scaling: A replication
    /// attempt") show the rounding moves the compute-optimal sizes a lot, so they give about 32B parameters for
    /// Gopher's 5.76e23 FLOPs where the paper's Approaches 1 and 2 give 67B and 63B.
    /// </summary>
    public static ScalingLaw Chinchilla { get; } = new(1.69, 406.4, 410.7, 0.34, 0.28);

    /// <summary>The predicted final loss of <paramref name="n"/> parameters trained on <paramref name="d"/> tokens.</summary>
    public double Loss(double n, double d) => E + A / Math.Pow(n, Alpha) + B / Math.Pow(d, Beta);

    /// <summary>a = beta / (alpha + beta): N_opt grows as C^a (Hoffmann et al. eq. 4).</summary>
    public double ExponentA => Beta / (Alpha + Beta);

    /// <summary>b = alpha / (alpha + beta): D_opt grows as C^b; a + b = 1 because C = 6ND.</summary>
    public double ExponentB => Alpha / (Alpha + Beta);

    /// <summary>G = (alpha A / (beta B))^(1 / (alpha + beta)), the constant of eq. 4.</summary>
    public double G => Math.Pow(Alpha * A / (Beta * B), 1 / (Alpha + Beta));

    /// <summary>
    /// The model size and token count that minimise <see cref="Loss"/> for <paramref name="flops"/> of training
    /// compute under C = 6ND: N_opt = G (C/6)^a, D_opt = G^-1 (C/6)^b (Hoffmann et al. eq. 4). Their product is
    /// C/6 exactly, so D_opt / N_opt is the tokens per parameter the law recommends at that budget.
    /// </summary>
    public (double NOpt, double DOpt) ComputeOptimal(double flops)
    {
        if (!(flops > 0) || !double.IsFinite(flops))
            throw new ArgumentException($"compute must be a positive finite number of FLOPs, got {flops.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        if (!(Alpha > 0) || !(Beta > 0) || !(A > 0) || !(B > 0))
            throw new ArgumentException($"a compute-optimal size needs positive A, B, alpha and beta, got {this}");
        double perToken = flops / 6;
        return (G * Math.Pow(perToken, ExponentA), Math.Pow(perToken, ExponentB) / G);
    }
}
