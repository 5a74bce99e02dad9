namespace LlmLab.Scaling;

/// <summary>
/// L-BFGS's memory: the last m steps s = x_{k+1} - x_k and gradient changes y = g_{k+1} - g_k, oldest first in a
/// ring, and the two-loop recursion (Nocedal and Wright, Algorithm 7.4) that applies the inverse-Hessian
/// approximation they define to a gradient without forming any matrix.
/// </summary>
internal sealed class PairHistory(int capacity, int dimension)
{
    private readonly double[][] _s = NewRows(capacity, dimension);
    private readonly double[][] _y = NewRows(capacity, dimension);
    private readonly double[] _rho = new double[capacity];
    private readonly double[] _alpha = new double[capacity];
    private int _first;

    public int Count { get; private set; }

    public void Clear()
    {
        _first = 0;
        Count = 0;
    }

    /// <summary>
    /// Stores the pair of a step from (x, g) to (xNext, gNext) when it has positive curvature s·y (a strong Wolfe
    /// step always has, up to rounding); a pair without it would make the approximation indefinite, so it is skipped.
    /// </summary>
    public void Add(double[] x, double[] xNext, double[] g, double[] gNext)
    {
        double sy = 0;
        for (int i = 0; i < dimension; i++) sy += (xNext[i] - x[i]) * (gNext[i] - g[i]);
        if (!(sy > 0) || !double.IsFinite(sy)) return;
        int slot = Count < capacity ? (_first + Count) % capacity : _first;
        var s = _s[slot];
        var y = _y[slot];
        for (int i = 0; i < dimension; i++)
        {
            s[i] = xNext[i] - x[i];
            y[i] = gNext[i] - g[i];
        }
        _rho[slot] = 1 / sy;
        if (Count < capacity) Count++;
        else _first = (_first + 1) % capacity;
    }

    /// <summary>Writes d = -H g (Algorithm 7.4, with H0 = gamma I, gamma = s·y / y·y of the newest pair) and
    /// returns the slope g·d, negative for a descent direction. Needs at least one pair.</summary>
    public double Direction(double[] g, double[] d)
    {
        Array.Copy(g, d, dimension);
        for (int j = Count - 1; j >= 0; j--)
        {
            int k = (_first + j) % capacity;
            double a = _rho[k] * Lbfgs.Dot(_s[k], d);
            _alpha[k] = a;
            var y = _y[k];
            for (int i = 0; i < dimension; i++) d[i] -= a * y[i];
        }
        int newest = (_first + Count - 1) % capacity;
        double gamma = 1 / (_rho[newest] * Lbfgs.Dot(_y[newest], _y[newest]));
        for (int i = 0; i < dimension; i++) d[i] *= gamma;
        for (int j = 0; j < Count; j++)
        {
            int k = (_first + j) % capacity;
            double beta = _rho[k] * Lbfgs.Dot(_y[k], d);
            double a = _alpha[k];
            var s = _s[k];
            for (int i = 0; i < dimension; i++) d[i] += (a - beta) * s[i];
        }
        for (int i = 0; i < dimension; i++) d[i] = -d[i];
        return Lbfgs.Dot(g, d);
    }

    private static double[][] NewRows(int rows, int columns)
    {
        var result = new double[rows][];
        for (int i = 0; i < rows; i++) result[i] = new double[columns];
        return result;
    }
}
