using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace LlmLab.Benchmarks;

/// <summary>
/// A column that reads Mean as a rate: a method's work per call (or per operation) divided by Mean in nanoseconds,
/// so flops give GFLOP/s and bytes GB/s. A method without a figure shows "-".
/// </summary>
public sealed class RateColumn(string name, string legend, Func<BenchmarkCase, double?> work) : IColumn
{
    public string Id => $"{nameof(RateColumn)}.{name}";
    public string ColumnName => name;
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => legend;
    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
        return mean is > 0 && work(benchmarkCase) is { } w ? $"{w / mean.Value:F1}" : "-";
    }
}
