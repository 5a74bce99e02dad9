using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace LlmLab.Testing;

/// <summary>
/// The types each type of an assembly uses: its base type and interfaces, attributes, fields, properties, events,
/// method signatures and local variables, and every type, method and field its method bodies name (read from the
/// IL). Nested types, compiler-generated ones included (closures, state machines), count as their outermost type.
/// The layer tests of the test projects check these references against the layer order; shared as a linked file.
/// </summary>
public static class TypeReferences
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance
        | BindingFlags.Static | BindingFlags.DeclaredOnly;

    /// <summary>The outermost declaring type of <paramref name="type"/>.</summary>
    public static Type Outermost(Type type)
    {
        while (type.DeclaringType is { } outer) type = outer;
        return type;
    }

    /// <summary>For each top-level type of <paramref name="assembly"/>, the types it uses (element types
    /// and generic arguments unwrapped, generic types as their definitions).</summary>
    public static Dictionary<Type, HashSet<Type>> Of(Assembly assembly)
    {
        var result = new Dictionary<Type, HashSet<Type>>();
        foreach (var type in assembly.GetTypes())
        {
            var owner = Outermost(type);
            if (!result.TryGetValue(owner, out var uses)) result[owner] = uses = [];
            Collect(type, uses);
        }
        return result;
    }

    private static void Collect(Type type, HashSet<Type> uses)
    {
        Add(type.BaseType, uses);
        foreach (var i in type.GetInterfaces()) Add(i, uses);
        foreach (var f in type.GetFields(Declared)) Add(f.FieldType, uses);
        foreach (var p in type.GetProperties(Declared)) Add(p.PropertyType, uses);
        foreach (var e in type.GetEvents(Declared)) Add(e.EventHandlerType, uses);
        foreach (var a in type.GetCustomAttributesData()) Add(a.AttributeType, uses);
        var methods = type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared));
        foreach (var m in methods)
        {
            if (m is MethodInfo mi) Add(mi.ReturnType, uses);
            foreach (var p in m.GetParameters()) Add(p.ParameterType, uses);
            var body = m.GetMethodBody();
            if (body is null) continue;
            foreach (var local in body.LocalVariables) Add(local.LocalType, uses);
            var typeArgs = type.IsGenericType ? type.GetGenericArguments() : null;
            var methodArgs = m.IsGenericMethod ? m.GetGenericArguments() : null;
            foreach (var token in Tokens(body.GetILAsByteArray()!))
            {
                MemberInfo? member;
                try { member = m.Module.ResolveMember(token, typeArgs, methodArgs); }
                catch (ArgumentException) { continue; }
                switch (member)
                {
                    case Type t: Add(t, uses); break;
                    case FieldInfo f: Add(f.DeclaringType, uses); Add(f.FieldType, uses); break;
                    case MethodBase called:
                        Add(called.DeclaringType, uses);
                        if (called.IsGenericMethod) foreach (var g in called.GetGenericArguments()) Add(g, uses);
                        break;
                }
            }
        }
    }

    private static void Add(Type? type, HashSet<Type> uses)
    {
        if (type is null || type.IsGenericParameter) return;
        if (type.HasElementType) { Add(type.GetElementType(), uses); return; }
        if (type.IsGenericType && !type.IsGenericTypeDefinition)
        {
            foreach (var g in type.GetGenericArguments()) Add(g, uses);
            type = type.GetGenericTypeDefinition();
        }
        uses.Add(Outermost(type));
    }

    /// <summary>The metadata tokens in a method body: the operands of the instructions that name a type,
    /// method, field or token.</summary>
    private static IEnumerable<int> Tokens(byte[] il)
    {
        for (int i = 0; i < il.Length;)
        {
            short value = il[i++];
            if (value == 0xFE) value = (short)(0xFE00 | il[i++]);
            var op = OpCodesByValue[value];
            switch (op.OperandType)
            {
                case OperandType.InlineNone: break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar: i += 1; break;
                case OperandType.InlineVar: i += 2; break;
                case OperandType.InlineI8 or OperandType.InlineR: i += 8; break;
                case OperandType.InlineSwitch: i += 4 + 4 * BitConverter.ToInt32(il, i); break;
                case OperandType.InlineType or OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineTok:
                    yield return BitConverter.ToInt32(il, i); i += 4; break;
                default: i += 4; break; // InlineBrTarget, InlineI, InlineSig, InlineString, ShortInlineR
            }
        }
    }

    /// <summary>For each type of <paramref name="assembly"/> (nested ones as their outermost type), the
    /// source files it is declared in, read from the assembly's portable PDB beside it.</summary>
    public static Dictionary<Type, HashSet<string>> SourceFiles(Assembly assembly)
    {
        var files = new Dictionary<Type, HashSet<string>>();
        using var pe = new PEReader(File.OpenRead(assembly.Location));
        using var pdbProvider = MetadataReaderProvider.FromPortablePdbStream(
            File.OpenRead(Path.ChangeExtension(assembly.Location, ".pdb")));
        var metadata = pe.GetMetadataReader();
        var pdb = pdbProvider.GetMetadataReader();
        var module = assembly.ManifestModule;
        void Note(TypeDefinitionHandle handle, DocumentHandle document)
        {
            var type = Outermost(module.ResolveType(MetadataTokens.GetToken(handle)));
            var name = pdb.GetString(pdb.GetDocument(document).Name);
            if (!files.TryGetValue(type, out var set)) files[type] = set = [];
            set.Add(name.Replace('\\', '/'));
        }
        foreach (var methodHandle in pdb.MethodDebugInformation)
        {
            var info = pdb.GetMethodDebugInformation(methodHandle);
            var definition = methodHandle.ToDefinitionHandle();
            var declaring = metadata.GetMethodDefinition(definition).GetDeclaringType();
            if (!info.Document.IsNil) Note(declaring, info.Document);
            else if (!info.SequencePointsBlob.IsNil)
                foreach (var point in info.GetSequencePoints()) Note(declaring, point.Document);
        }
        // Types without method bodies (interfaces, enums, field-only structs) carry their documents apart.
        var typeDocuments = new Guid("932E74BC-DBA9-4478-8D46-0F32A7BAB3D3");
        foreach (var handle in pdb.CustomDebugInformation)
        {
            var cdi = pdb.GetCustomDebugInformation(handle);
            if (cdi.Parent.Kind != HandleKind.TypeDefinition || pdb.GetGuid(cdi.Kind) != typeDocuments) continue;
            var blob = pdb.GetBlobReader(cdi.Value);
            while (blob.RemainingBytes > 0)
                Note((TypeDefinitionHandle)cdi.Parent, MetadataTokens.DocumentHandle(blob.ReadCompressedInteger()));
        }
        return files;
    }
}

/// <summary>
/// A layer order, lowest first: a type may use types of its own layer and of the layers below it, never above.
/// <paramref name="layerOf"/> names a type's layer, or null for types the order does not cover (other assemblies,
/// compiler-generated helpers).
/// </summary>
public sealed class LayerOrder(IReadOnlyList<string> layers, Func<Type, string?> layerOf)
{
    public IReadOnlyList<string> Layers { get; } = layers;

    public string? LayerOf(Type type) => layerOf(type);

    /// <summary>Each reference to a higher layer, as "from -> to: type uses type", sorted; <paramref name="allowed"/>
    /// exempts (user, used) pairs.</summary>
    public IReadOnlyList<string> UpwardReferences(Assembly assembly, Func<Type, Type, bool>? allowed = null)
    {
        var rank = Layers.Select((layer, i) => (layer, i)).ToDictionary(p => p.layer, p => p.i);
        var found = new List<string>();
        foreach (var (type, uses) in TypeReferences.Of(assembly))
        {
            if (layerOf(type) is not { } from) continue;
            foreach (var used in uses)
                if (layerOf(used) is { } to && rank[to] > rank[from] && allowed?.Invoke(type, used) != true)
                    found.Add($"{from} -> {to}: {type.FullName} uses {used.FullName}");
        }
        return [.. found.Order(StringComparer.Ordinal)];
    }

    /// <summary>For each layer, the other layers its types use: "layer -> a, b", lowest layer first.</summary>
    public IReadOnlyList<string> Graph(Assembly assembly)
    {
        var uses = Layers.ToDictionary(l => l, _ => new HashSet<string>());
        foreach (var (type, used) in TypeReferences.Of(assembly))
            if (layerOf(type) is { } from)
                foreach (var to in used.Select(layerOf).OfType<string>().Where(to => to != from))
                    uses[from].Add(to);
        return [.. Layers.Select(l => $"{l} -> {string.Join(", ", Layers.Where(uses[l].Contains))}")];
    }
}
