namespace LlmLab.Tensors;

/// <summary>An immutable list of dimension sizes, row-major ("C order"): the last axis varies fastest.</summary>
public sealed class Shape : IEquatable<Shape>
{
    private readonly int[] _dims;

    public Shape(params int[] dims)
    {
        foreach (int d in dims)
            if (d < 0)
                throw new ArgumentException($"shape {Format(dims)} has a negative dimension");
        _dims = (int[])dims.Clone();
        long count = 1;
        foreach (int d in dims) count *= d;
        ElementCount = count;
    }

    public int Rank => _dims.Length;
    public long ElementCount { get; }
    public ReadOnlySpan<int> Dims => _dims;

    /// <summary>Size of an axis; negative axes count from the end (-1 is the last).</summary>
    public int this[int axis] => _dims[Axis(axis)];

    public int Axis(int axis)
    {
        int a = axis < 0 ? axis + Rank : axis;
        if (a < 0 || a >= Rank)
            throw new ArgumentOutOfRangeException(nameof(axis), $"axis {axis} does not exist in shape {this}");
        return a;
    }

    /// <summary>The last dimension (1 for a scalar).</summary>
    public int Last => Rank == 0 ? 1 : _dims[^1];

    /// <summary>Product of all dimensions but the last: the number of rows a row-wise kernel sees.</summary>
    public long Rows
    {
        get
        {
            long rows = 1;
            for (int i = 0; i < Rank - 1; i++) rows *= _dims[i];
            return rows;
        }
    }

    public int[] ToArray() => (int[])_dims.Clone();

    /// <summary>This shape with one dimension replaced.</summary>
    public Shape With(int axis, int size)
    {
        var d = ToArray();
        d[Axis(axis)] = size;
        return new Shape(d);
    }

    /// <summary>The shape with dimensions <paramref name="start"/>.. (the trailing part).</summary>
    public Shape Suffix(int start) => new(_dims[start..]);

    /// <summary>True when this shape equals the trailing dimensions of <paramref name="other"/>, so it broadcasts over the leading ones.</summary>
    public bool IsSuffixOf(Shape other)
    {
        if (Rank > other.Rank) return false;
        return _dims.AsSpan().SequenceEqual(other._dims.AsSpan(other.Rank - Rank));
    }

    public bool Equals(Shape? other) => other is not null && _dims.AsSpan().SequenceEqual(other._dims);
    public override bool Equals(object? obj) => Equals(obj as Shape);
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (int d in _dims) h.Add(d);
        return h.ToHashCode();
    }

    public static bool operator ==(Shape? a, Shape? b) => a is null ? b is null : a.Equals(b);
    public static bool operator !=(Shape? a, Shape? b) => !(a == b);

    public override string ToString() => Format(_dims);
    private static string Format(int[] dims) => "[" + string.Join(", ", dims) + "]";

    public static implicit operator Shape(int[] dims) => new(dims);
}
