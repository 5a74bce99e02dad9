using LlmLab.Tensors;

namespace LlmLab.Autograd;

public sealed partial class Tape
{
    /// <summary>a + b with b broadcast over a's leading axes; db sums the gradient over them.</summary>
    public Variable Add(Variable a, Variable b) => Record(Backend.Add(a.Data, b.Data), dy =>
    {
        if (a.RequiresGrad) Accumulate(a, dy, owned: false);
        if (b.RequiresGrad) Accumulate(b, SumTo(dy, b.Shape));
    }, a, b);

    /// <summary>a * b elementwise (b broadcast); da = dy b, db = sum of dy a.</summary>
    public Variable Mul(Variable a, Variable b) => Record(Backend.Mul(a.Data, b.Data), dy =>
    {
        if (a.RequiresGrad) Accumulate(a, Backend.Mul(dy, b.Data));
        if (b.RequiresGrad)
        {
            using var product = Backend.Mul(dy, a.Data);
            Accumulate(b, SumTo(product, b.Shape));
        }
    }, a, b);

    public Variable Scale(Variable x, float factor) =>
        Record(Backend.Scale(x.Data, factor), dy => Accumulate(x, Backend.Scale(dy, factor)), x);

    public Variable Gelu(Variable x) => Record(Backend.Gelu(x.Data), dy => Accumulate(x, Backend.GeluBackward(x.Data, dy)), x);
    /// <summary>Exact GELU, 0.5 x (1 + erf(x/√2)) (BERT's "gelu"); <see cref="Gelu"/> is the tanh form.</summary>
    public Variable GeluErf(Variable x) => Record(Backend.GeluErf(x.Data), dy => Accumulate(x, Backend.GeluErfBackward(x.Data, dy)), x);
    public Variable Silu(Variable x) => Record(Backend.Silu(x.Data), dy => Accumulate(x, Backend.SiluBackward(x.Data, dy)), x);
    public Variable Relu(Variable x) => Record(Backend.Relu(x.Data), dy => Accumulate(x, Backend.ReluBackward(x.Data, dy)), x);

    /// <summary>Two axes swapped (a copy); the gradient is swapped back.</summary>
    public Variable Transpose(Variable x, int axis0, int axis1) =>
        Record(Backend.Transpose(x.Data, axis0, axis1), dy => Accumulate(x, Backend.Transpose(dy, axis0, axis1)), x);

    /// <summary>The same elements under another shape (a view); the gradient is reshaped back.</summary>
    public Variable Reshape(Variable x, params int[] dims) =>
        View(x.Data.Reshape(dims), dy => Accumulate(x, dy.Reshape(x.Shape.ToArray()), owned: false), x);
}
