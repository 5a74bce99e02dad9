using System.Reflection;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime.Cuda;
using LlmLab.Backends.Ilgpu.Kernels;

namespace LlmLab.Tests.Kernels;

/// <summary>
/// The matmul kernels compiled to PTX for an H100 (SM_90) by ILGPU's own backend, no GPU needed: the code shape the
/// kernels were written for must survive ILGPU's optimiser. 16-byte global and shared accesses (ld/st .v4.f32), no
/// local memory (a spilled or run-time-indexed array), no calls, one barrier, and the k step's shared loads and
/// multiply-adds in one straight block with no shared store in between (else every loaded value is live at once).
/// </summary>
public class MatMulPtxTests
{
    public static TheoryData<string> Tiles => new()
    {
        nameof(Tile128x128x16), nameof(Tile128x128x16Loop2), nameof(Tile128x128x8), nameof(Tile128x64x8), nameof(Tile64x64x8),
    };

    [Theory, MemberData(nameof(Tiles))]
    public void Tile_kernels_compile_to_float4_accesses_and_one_straight_k_step(string tile)
    {
        var shape = typeof(IMatMulTile).Assembly.GetType($"{typeof(IMatMulTile).Namespace}.{tile}", throwOnError: true)!;
        int unroll = ((IMatMulTile)Activator.CreateInstance(shape)!).Unroll; // k values in the straight multiply block
        var method = typeof(MatMulTileKernel).GetMethod(nameof(MatMulTileKernel.MatMul))!.MakeGenericMethod(shape, typeof(F32Weights));
        var lines = Ptx(method).Split('\n').Select(l => l.Trim()).ToArray();

        Assert.Equal(4 * unroll, lines.Count(l => l.StartsWith("ld.shared.v4.f32")));
        Assert.Contains(lines, l => l.StartsWith("ld.global.v4.f32"));
        Assert.Contains(lines, l => l.StartsWith("st.global.v4.f32"));
        Assert.DoesNotContain(lines, l => l.Contains(".local"));
        Assert.DoesNotContain(lines, l => l.StartsWith("call"));
        Assert.Single(lines, l => l.StartsWith("bar.sync"));

        int first = Array.FindIndex(lines, l => l.StartsWith("ld.shared.v4.f32"));
        int end = Array.FindIndex(lines, first, l => l.Contains("bra") || l.EndsWith(':'));
        var step = lines[first..end];
        Assert.Equal(4 * unroll, step.Count(l => l.StartsWith("ld.shared.v4.f32")));
        Assert.True(step.Count(l => l.StartsWith("mul.ftz.f32") || l.StartsWith("fma.rn")) >= 64 * unroll,
            $"{tile}: the k step's multiply-adds are not beside its shared loads");
        Assert.DoesNotContain(step, l => l.StartsWith("st.shared") || l.StartsWith("bar.sync"));
    }

    public static TheoryData<string> WeightFormats => new() { nameof(Int8Weights), nameof(Q8_0Weights), nameof(Q4_0Weights) };

    /// <summary>A quantised B changes only how B's slices are fetched: the k step stays one straight block.</summary>
    [Theory, MemberData(nameof(WeightFormats))]
    public void Quantised_weight_tiles_keep_the_straight_k_step(string format)
    {
        var weights = typeof(IMatMulWeights).Assembly.GetType($"{typeof(IMatMulWeights).Namespace}.{format}", throwOnError: true)!;
        var method = typeof(MatMulTileKernel).GetMethod(nameof(MatMulTileKernel.MatMul))!.MakeGenericMethod(typeof(Tile128x128x16), weights);
        var lines = Ptx(method).Split('\n').Select(l => l.Trim()).ToArray();

        Assert.Equal(4 * 16, lines.Count(l => l.StartsWith("ld.shared.v4.f32")));
        Assert.Contains(lines, l => l.StartsWith("ld.global.v4.f32")); // x, the A operand
        Assert.DoesNotContain(lines, l => l.Contains(".local"));
        Assert.DoesNotContain(lines, l => l.StartsWith("call"));
        Assert.Single(lines, l => l.StartsWith("bar.sync"));
        int first = Array.FindIndex(lines, l => l.StartsWith("ld.shared.v4.f32"));
        int end = Array.FindIndex(lines, first, l => l.Contains("bra") || l.EndsWith(':'));
        Assert.True(lines[first..end].Count(l => l.StartsWith("mul.ftz.f32") || l.StartsWith("fma.rn")) >= 64 * 16,
            $"{format}: the k step's multiply-adds are not beside its shared loads");
        if (format == nameof(Int8Weights))
            Assert.Contains(lines, l => l.StartsWith("ld.global.u32") || l.StartsWith("ld.global.s32") || l.StartsWith("ld.global.b32"));
    }

    [Fact]
    public void Skinny_kernel_compiles_to_float4_loads_without_local_memory()
    {
        var lines = Ptx(typeof(MatMulSkinnyKernel).GetMethod(nameof(MatMulSkinnyKernel.MatMul))!).Split('\n').Select(l => l.Trim()).ToArray();
        Assert.Contains(lines, l => l.StartsWith("ld.global.v4.f32"));
        Assert.DoesNotContain(lines, l => l.Contains(".local"));
        Assert.DoesNotContain(lines, l => l.StartsWith("call"));
    }

    /// <summary>PTX for SM_90 with the options the cuda backend uses (fast 32-bit math, O2).</summary>
    internal static string Ptx(MethodInfo kernel)
    {
        using var context = Context.Create(b => b.EnableAlgorithms().Math(MathMode.Fast32BitOnly).Optimize(OptimizationLevel.O2));
        using var backend = new PTXBackend(context, CudaArchitecture.SM_90, CudaInstructionSet.ISA_80, null!);
        var compiled = (PTXCompiledKernel)backend.Compile(EntryPointDescription.FromExplicitlyGroupedKernel(kernel), default);
        return compiled.PTXAssembly;
    }
}
