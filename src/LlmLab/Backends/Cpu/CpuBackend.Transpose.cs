using LlmLab.Tensors;

namespace LlmLab.Backends.Cpu;

public sealed partial class CpuBackend
{
    public Tensor Transpose(Tensor x, int axis0, int axis1)
    {
        Check.SameBackend(this, x);
        var d = Check.Transpose(x, axis0, axis1);
        var y = NewF32Output(d.Output);
        if (x.ElementCount == 0) return y;
        // One task per output run of `inner` contiguous floats: y[o, b, m, a] = x[o, a, m, b].
        long runs = d.Outer * d.B * d.Middle * d.A;
        Parallel.For(runs, d.Inner, (start, end) =>
        {
            var xs = Span<float>(x);
            var ys = Span<float>(y);
            int inner = (int)d.Inner;
            for (long run = start; run < end; run++)
            {
                long a = run % d.A, rest = run / d.A;
                long m = rest % d.Middle; rest /= d.Middle;
                long b = rest % d.B, o = rest / d.B;
                long source = (((o * d.A + a) * d.Middle + m) * d.B + b) * inner;
                xs.Slice((int)source, inner).CopyTo(ys.Slice((int)(run * inner), inner));
            }
        });
        return y;
    }
}
