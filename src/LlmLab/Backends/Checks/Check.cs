using LlmLab.Tensors;

namespace LlmLab.Backends;

/// <summary>
/// Argument checks every backend shares, so a bad call gets the same clear message (naming the shapes) on each.
/// One partial file per op family.
/// </summary>
internal static partial class Check
{
    public static void F32(Tensor t, string what)
    {
        if (t.DType != DType.F32)
            throw new ArgumentException($"{what} must be f32, got {t.DType.Name()} of shape {t.Shape}");
    }

    public static void Index(Tensor t, string what)
    {
        if (t.DType is not (DType.I32 or DType.I64))
            throw new ArgumentException($"{what} must be i32 or i64, got {t.DType.Name()} of shape {t.Shape}");
    }

    public static void Rank(Tensor t, int rank, string what, string layout)
    {
        if (t.Rank != rank)
            throw new ArgumentException($"{what} must be {layout} (rank {rank}), got shape {t.Shape}");
    }

    public static void SameBackend(IBackend backend, params Tensor?[] tensors)
    {
        foreach (var t in tensors)
            if (t is not null && !ReferenceEquals(t.Backend, backend))
                throw new ArgumentException($"a tensor on backend '{t.Backend.Name}' was passed to backend '{backend.Name}'; move it with tensor.To(backend)");
    }
}
