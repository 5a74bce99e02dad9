namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>
/// Four floats moved as one 16-byte access: indexing a float view cast to Float4 (<c>view.Cast&lt;Float4&gt;()[i]</c>)
/// makes ILGPU's PTX backend emit ld/st .v4.f32, global or shared. The address must be 16-byte aligned: callers check
/// the base and strides before they take this path. Internal: ILGPU's generated code sees it through
/// LlmLab.csproj's InternalsVisibleTo("ILGPURuntime").
/// </summary>
internal struct Float4(float x, float y, float z, float w)
{
    public float X = x, Y = y, Z = z, W = w;

    public static Float4 operator +(Float4 a, Float4 b) => new(a.X + b.X, a.Y + b.Y, a.Z + b.Z, a.W + b.W);

    public static Float4 operator *(float s, Float4 a) => new(s * a.X, s * a.Y, s * a.Z, s * a.W);

    public static Float4 operator /(Float4 a, Float4 b) => new(a.X / b.X, a.Y / b.Y, a.Z / b.Z, a.W / b.W);
}
