using LlmLab.Tensors;

namespace LlmLab.Backends;

internal static partial class Check
{
    /// <summary>b must have a's shape or a's trailing dimensions.</summary>
    public static void Broadcast(Tensor a, Tensor b, string op)
    {
        F32(a, $"{op}'s first operand");
        F32(b, $"{op}'s second operand");
        if (!b.Shape.IsSuffixOf(a.Shape))
            throw new ArgumentException(
                $"{op} needs shapes that match or broadcast over leading axes: {a.Shape} and {b.Shape} do not");
    }
}
