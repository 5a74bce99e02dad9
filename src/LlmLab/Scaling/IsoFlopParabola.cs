namespace LlmLab.Scaling;

/// <summary>
/// The least-squares parabola of final loss against x = ln N over one IsoFLOP budget (Hoffmann et al.'s Approach 2):
/// loss ≈ Constant + Linear·x + Quadratic·x². It opens upwards when the budget's runs bracket the best size.
/// </summary>
public readonly record struct IsoFlopParabola(double Constant, double Linear, double Quadratic)
{
    /// <summary>The fitted loss at <paramref name="n"/> parameters.</summary>
    public double Loss(double n)
    {
        double x = Math.Log(n);
        return Constant + (Linear + Quadratic * x) * x;
    }
}
