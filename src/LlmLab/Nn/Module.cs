using System.Text.RegularExpressions;
using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Tensors;

namespace LlmLab.Nn;

/// <summary>
/// A layer that owns parameters and child layers, named the Hugging Face way: a parameter's full name is the dotted
/// path of the fields that hold it ("h.0.attn.q_proj.weight"). Parameters can be frozen one by one or by pattern.
/// </summary>
public abstract class Module
{
    private readonly List<(string Name, Variable Parameter)> _parameters = [];
    private readonly List<(string Name, Module Child)> _children = [];

    /// <summary>Every parameter with its dotted name, in registration order (depth first).</summary>
    public IEnumerable<(string Name, Variable Parameter)> NamedParameters(string prefix = "")
    {
        foreach (var (name, p) in _parameters) yield return (prefix + name, p);
        foreach (var (name, child) in _children)
            foreach (var item in child.NamedParameters(prefix + name + "."))
                yield return item;
    }

    /// <summary>
    /// Every descendant module with its dotted name ("h.0.attn.q_proj"), depth first in registration order; the
    /// module itself is not listed (PyTorch's named_modules lists it under "").
    /// </summary>
    public IEnumerable<(string Name, Module Module)> NamedModules(string prefix = "")
    {
        foreach (var (name, child) in _children)
        {
            yield return (prefix + name, child);
            foreach (var item in child.NamedModules(prefix + name + "."))
                yield return item;
        }
    }

    public long ParameterCount(bool trainableOnly = false) =>
        NamedParameters().Where(p => !trainableOnly || p.Parameter.RequiresGrad).Sum(p => p.Parameter.Shape.ElementCount);

    /// <summary>
    /// Freezes (or, with <paramref name="trainable"/> true, unfreezes) the parameters whose dotted name matches a
    /// glob: '*' is any run of characters, e.g. "h.*.attn.*" or "*.bias". Returns how many matched; none is an error.
    /// </summary>
    public int Freeze(string pattern, bool trainable = false)
    {
        var regex = new Regex("^" + Regex.Escape(pattern).Replace(@"\*", ".*") + "$");
        int matched = 0;
        foreach (var (name, p) in NamedParameters())
            if (regex.IsMatch(name))
            {
                p.RequiresGrad = trainable;
                matched++;
            }
        if (matched == 0)
            throw new ArgumentException($"no parameter matches '{pattern}'; names look like '{NamedParameters().FirstOrDefault().Name}'");
        return matched;
    }

    public int Unfreeze(string pattern) => Freeze(pattern, trainable: true);

    protected Variable Parameter(string name, Tensor data)
    {
        var p = Variable.Parameter(data, name);
        _parameters.Add((name, p));
        return p;
    }

    protected T Child<T>(string name, T module) where T : Module
    {
        if (_children.Exists(c => c.Name == name)) throw new InvalidOperationException($"this module already has a child named '{name}'");
        _children.Add((name, module));
        return module;
    }

    /// <summary>
    /// A parameter of <paramref name="shape"/> holding <paramref name="init"/>'s values; inside
    /// <see cref="EmptyWeights.Scope"/> a deferred one that will be zeros (init is not called, so nothing is drawn).
    /// </summary>
    protected Variable Parameter(string name, IBackend backend, Shape shape, Func<float[]> init)
    {
        var p = EmptyWeights.Active
            ? Variable.DeferredParameter(backend, shape, name, () => Tensor.Zeros(backend, shape))
            : Variable.Parameter(Tensor.From(backend, init(), shape.ToArray()), name);
        _parameters.Add((name, p));
        return p;
    }

    /// <summary>Unregisters a parameter added with <see cref="Parameter(string, Tensor)"/> (it leaves <see cref="NamedParameters"/>).</summary>
    protected void RemoveParameter(string name)
    {
        if (_parameters.RemoveAll(p => p.Name == name) == 0) throw new InvalidOperationException($"this module has no parameter named '{name}'");
    }

    /// <summary>Unregisters a child added with <see cref="Child"/> (its parameters leave <see cref="NamedParameters"/>).</summary>
    protected void RemoveChild(string name)
    {
        if (_children.RemoveAll(c => c.Name == name) == 0) throw new InvalidOperationException($"this module has no child named '{name}'");
    }
}
