namespace LlmLab.Scaling;

/// <summary>
/// One compute budget of an IsoFLOP fit: its compute <paramref name="C"/> (the mean of its runs' compute), the size
/// at the vertex of its parabola <paramref name="NOpt"/>, the tokens that budget leaves for it
/// <paramref name="DOpt"/> = C / (6 N_opt), the parabola and the number of runs behind it.
/// </summary>
public sealed record IsoFlopBudget(double C, double NOpt, double DOpt, IsoFlopParabola Parabola, int Points);
