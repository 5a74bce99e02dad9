namespace LlmLab.Scaling;

/// <summary>
/// The objective of Hoffmann et al.'s Approach 3 (section 3.3, appendix D.2), over theta = (a, b, e, alpha, beta):
/// the sum over runs i of Huber_delta(LSE(a - alpha log N_i, b - beta log D_i, e) - log L_i), with A = exp(a),
/// B = exp(b), E = exp(e). The log-sum-exp is log(A/N^alpha + B/D^beta + E), the law's log loss, computed without
/// overflow for any theta; fitting in log space weighs a run's relative error, not its absolute one. The gradient is
/// analytic: d LSE / d x_j is the softmax weight of term j. Immutable, so one instance serves parallel starts.
/// </summary>
internal sealed class ChinchillaObjective
{
    /// <summary>The number of parameters: a, b, e, alpha, beta in that order.</summary>
    public const int Dimension = 5;

    private readonly double[] _logN;
    private readonly double[] _logD;
    private readonly double[] _logLoss;
    private readonly double _delta;

    public ChinchillaObjective(IReadOnlyList<ScalingPoint> points, double delta)
    {
        _logN = [.. points.Select(p => Math.Log(p.N))];
        _logD = [.. points.Select(p => Math.Log(p.D))];
        _logLoss = [.. points.Select(p => Math.Log(p.Loss))];
        _delta = delta;
    }

    /// <summary>The objective at <paramref name="theta"/>, its gradient written to <paramref name="gradient"/>;
    /// the sum runs over the points in order, so the bits do not depend on the caller's thread.</summary>
    public double Evaluate(ReadOnlySpan<double> theta, Span<double> gradient)
    {
        double a = theta[0], b = theta[1], e = theta[2], alpha = theta[3], beta = theta[4];
        double value = 0, ga = 0, gb = 0, ge = 0, gAlpha = 0, gBeta = 0;
        for (int i = 0; i < _logN.Length; i++)
        {
            double x1 = a - alpha * _logN[i], x2 = b - beta * _logD[i];
            double max = Math.Max(Math.Max(x1, x2), e);
            double t1 = Math.Exp(x1 - max), t2 = Math.Exp(x2 - max), t3 = Math.Exp(e - max);
            double sum = t1 + t2 + t3;
            double residual = max + Math.Log(sum) - _logLoss[i];
            value += Huber.Value(residual, _delta);
            double h = Huber.Derivative(residual, _delta) / sum;
            double w1 = h * t1, w2 = h * t2;
            ga += w1;
            gAlpha -= w1 * _logN[i];
            gb += w2;
            gBeta -= w2 * _logD[i];
            ge += h * t3;
        }
        gradient[0] = ga;
        gradient[1] = gb;
        gradient[2] = ge;
        gradient[3] = gAlpha;
        gradient[4] = gBeta;
        return value;
    }
}
