namespace LlmLab.Tests.References;

/// <summary>Float64 definitions of the elementwise ops, straight from the formulas.</summary>
public static class ElementwiseReference
{
    public static double Gelu(double x) => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    public static double Silu(double x) => x / (1 + Math.Exp(-x));
    public static double Relu(double x) => Math.Max(x, 0);

    public static double[] Broadcast(double[] a, double[] b, Func<double, double, double> f)
    {
        var y = new double[a.Length];
        for (int i = 0; i < a.Length; i++) y[i] = f(a[i], b[i % b.Length]);
        return y;
    }
}
