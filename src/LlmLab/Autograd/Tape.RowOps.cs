using LlmLab.Backends;
using LlmLab.Tensors;

namespace LlmLab.Autograd;

public sealed partial class Tape
{
    public Variable Softmax(Variable x, Tensor? mask = null)
    {
        var y = Backend.Softmax(x.Data, mask);
        return Record(y, dy => Accumulate(x, Backend.SoftmaxBackward(y, dy)), x);
    }

    public Variable LogSoftmax(Variable x, Tensor? mask = null)
    {
        var y = Backend.LogSoftmax(x.Data, mask);
        return Record(y, dy => Accumulate(x, Backend.LogSoftmaxBackward(y, dy)), x);
    }

    public Variable LayerNorm(Variable x, Variable weight, Variable? bias, float epsilon = 1e-5f) =>
        Record(Backend.LayerNorm(x.Data, weight.Data, bias?.Data, epsilon), dy =>
        {
            var g = Backend.LayerNormBackward(x.Data, weight.Data, dy, epsilon);
            Accumulate(x, g.Input);
            Accumulate(weight, g.Weight);
            if (bias is not null) Accumulate(bias, g.Bias!);
            else g.Bias?.Dispose();
        }, bias is null ? [x, weight] : [x, weight, bias]);

    public Variable RmsNorm(Variable x, Variable weight, float epsilon = 1e-6f) =>
        Record(Backend.RmsNorm(x.Data, weight.Data, epsilon), dy =>
        {
            var g = Backend.RmsNormBackward(x.Data, weight.Data, dy, epsilon);
            Accumulate(x, g.Input);
            Accumulate(weight, g.Weight);
        }, x, weight);

    /// <summary>Rows of the table picked by ids; the table's gradient sums the rows' gradients per id.</summary>
    public Variable Embedding(Variable table, Tensor ids) =>
        Record(Backend.Embedding(table.Data, ids), dy =>
            Accumulate(table, Backend.EmbeddingBackward(ids, dy, table.Shape[0])), table);

    public Variable Rope(Variable x, Tensor positions, float theta = 10000f) =>
        Record(Backend.Rope(x.Data, positions, theta), dy => Accumulate(x, Backend.RopeBackward(dy, positions, theta)), x);

    public Variable Attention(Variable query, Variable key, Variable value, AttentionOptions? options = null)
    {
        if (options?.Cache is not null && RecordsGradients)
            throw new ArgumentException("attention with a KV cache is for generation: use a tape made with recordGradients: false");
        var output = Backend.Attention(query.Data, key.Data, value.Data, options);
        return Record(output, dO =>
        {
            var g = Backend.AttentionBackward(query.Data, key.Data, value.Data, output, dO, options);
            Accumulate(query, g.Query);
            Accumulate(key, g.Key);
            Accumulate(value, g.Value);
        }, query, key, value);
    }

    /// <summary>
    /// Mean cross-entropy over the rows whose target is not <paramref name="ignoreIndex"/> (PyTorch's default
    /// reduction): a [1] loss. The mean is taken on the host in index order, in double, so it is the same bits on
    /// every run. With no counted rows the loss is 0 and the gradient is 0.
    /// </summary>
    public Variable CrossEntropy(Variable logits, Tensor targets, int ignoreIndex = -100)
    {
        using var rows = Backend.CrossEntropy(logits.Data, targets, ignoreIndex);
        var losses = rows.ToArray<float>();
        var ids = targets.DType == DType.I64 ? targets.ToArray<long>() : Array.ConvertAll(targets.ToArray<int>(), t => (long)t);
        double sum = 0;
        int counted = 0;
        for (int i = 0; i < losses.Length; i++)
            if (ids[i] != ignoreIndex)
            {
                sum += losses[i];
                counted++;
            }
        var loss = Tensor.From(Backend, [(float)(counted == 0 ? 0 : sum / counted)], 1);
        return Record(loss, dLoss =>
        {
            float upstream = dLoss.ToArray<float>()[0];
            var perRow = new float[losses.Length];
            if (counted > 0) Array.Fill(perRow, upstream / counted);
            using var gradLoss = Tensor.From(Backend, perRow, perRow.Length);
            Accumulate(logits, Backend.CrossEntropyBackward(logits.Data, targets, gradLoss, ignoreIndex));
        }, logits);
    }
}
