namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// A register-blocked micro-kernel: C[rows, NR] (+)= Apanel[rows, kc] Bpanel[kc, NR] for one MR x NR tile of C, from
/// A packed as [kc][MR] and B as [kc][NR], accumulating each element over k in order.
/// </summary>
internal unsafe interface IGemmKernel
{
    /// <summary>Rows of the tile (broadcast from packed A).</summary>
    static abstract int MR { get; }
    /// <summary>Columns of the tile (vector lanes of packed B).</summary>
    static abstract int NR { get; }

    /// <summary>
    /// The first <paramref name="rows"/> rows of the tile at <paramref name="c"/> (row stride <paramref name="ldc"/>):
    /// acc = load ? C : 0; acc = fma(a[i,k], b[k,j], acc) for k = 0..kc-1; C = acc (+ bias[j] when bias is given).
    /// </summary>
    static abstract void Tile(int rows, int kc, float* a, float* b, float* c, long ldc, bool load, float* bias);
}

/// <summary>A row count as a type, so the JIT compiles one kernel per count and drops the rows that are absent.</summary>
internal interface IRowCount
{
    static abstract int Count { get; }
}

internal struct Rows1 : IRowCount { public static int Count => 1; }
internal struct Rows2 : IRowCount { public static int Count => 2; }
internal struct Rows3 : IRowCount { public static int Count => 3; }
internal struct Rows4 : IRowCount { public static int Count => 4; }
internal struct Rows5 : IRowCount { public static int Count => 5; }
internal struct Rows6 : IRowCount { public static int Count => 6; }
internal struct Rows7 : IRowCount { public static int Count => 7; }
internal struct Rows8 : IRowCount { public static int Count => 8; }
internal struct Rows9 : IRowCount { public static int Count => 9; }
internal struct Rows10 : IRowCount { public static int Count => 10; }
internal struct Rows11 : IRowCount { public static int Count => 11; }
internal struct Rows12 : IRowCount { public static int Count => 12; }
internal struct Rows13 : IRowCount { public static int Count => 13; }
internal struct Rows14 : IRowCount { public static int Count => 14; }
