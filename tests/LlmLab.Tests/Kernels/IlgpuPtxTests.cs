using System.Reflection;
using LlmLab.Backends.Ilgpu.Kernels;

namespace LlmLab.Tests.Kernels;

/// <summary>
/// Every ILGPU kernel compiled to PTX for an H100 (SM_90) by ILGPU's own backend, the step CI's CPU simulator never
/// takes: it must compile, call no function (a math routine PTX lacks becomes an unresolved extern that only the GPU
/// driver would reject) and keep its values in registers (no local memory: spills or run-time-indexed arrays).
/// The one exception is documented below. The matmul kernels' finer code shape is checked in <see cref="MatMulPtxTests"/>.
/// </summary>
public class IlgpuPtxTests
{
    /// <summary>Kernels allowed local memory, and why.</summary>
    private static readonly Dictionary<string, string> LocalMemoryAllowed = new()
    {
        // The warpers divide with CudaAsm's div.rn.f32 (bit-exact with PyTorch); ILGPU passes the inline assembly's
        // result through a 4-byte local slot, which stays in L1.
        ["SamplingKernels.WarpRows"] = "inline-assembly division results",
    };

    public static TheoryData<string> Kernels
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var method in KernelMethods()) data.Add($"{method.DeclaringType!.Name}.{method.Name}");
            return data;
        }
    }

    [Theory, MemberData(nameof(Kernels))]
    public void Kernel_compiles_for_sm90_without_calls_or_local_memory(string kernel)
    {
        var method = KernelMethods().Single(m => $"{m.DeclaringType!.Name}.{m.Name}" == kernel);
        var lines = MatMulPtxTests.Ptx(method).Split('\n').Select(l => l.Trim()).ToArray();

        Assert.DoesNotContain(lines, l => l.StartsWith("call") || l.StartsWith(".extern"));
        if (!LocalMemoryAllowed.ContainsKey(kernel))
            Assert.DoesNotContain(lines, l => l.Contains(".local"));
    }

    [Fact]
    public void Every_kernel_class_is_covered()
    {
        var covered = KernelMethods().Select(m => m.DeclaringType!).Distinct().ToArray();
        Assert.Contains(typeof(SoftmaxKernels), covered);
        Assert.Contains(typeof(AttentionTileKernel), covered);
        Assert.True(covered.Length >= 20, $"only {covered.Length} kernel classes found");
    }

    // Public static void methods over ArrayViews in the kernels' namespace: the launched kernels (and the device
    // helpers they call, which compile as kernels too). Generic ones (the matmul tiles) are MatMulPtxTests'.
    private static IEnumerable<MethodInfo> KernelMethods() =>
        typeof(SoftmaxKernels).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(SoftmaxKernels).Namespace)
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.DeclaredOnly))
            .Where(m => m.ReturnType == typeof(void) && !m.IsGenericMethodDefinition
                        && m.GetParameters().Any(p => p.ParameterType.Name.StartsWith("ArrayView", StringComparison.Ordinal)))
            .OrderBy(m => m.DeclaringType!.Name, StringComparer.Ordinal).ThenBy(m => m.Name, StringComparer.Ordinal);
}
