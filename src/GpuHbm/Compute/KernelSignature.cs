using System.Text.RegularExpressions;

namespace GpuHbm.Compute;

/// <summary>
/// A kernel's parameter list, read from its source so that launches can be checked before they
/// reach the driver (CUDA would read garbage for a missing or mistyped argument).
/// </summary>
/// <param name="Name">The kernel's entry point.</param>
/// <param name="Parameters">Parameters in order, without the dynamic local one.</param>
/// <param name="HasDynamicLocal">Whether the kernel ends with DYNAMIC_LOCAL(type, name), i.e. needs LaunchConfig.DynamicLocalBytes &gt; 0.</param>
public sealed partial record KernelSignature(string Name, IReadOnlyList<KernelParameter> Parameters, bool HasDynamicLocal)
{
    private static readonly Dictionary<string, int> Sizes = new()
    {
        ["char"] = 1, ["uchar"] = 1, ["short"] = 2, ["ushort"] = 2,
        ["int"] = 4, ["uint"] = 4, ["u32"] = 4, ["i32"] = 4, ["float"] = 4,
        ["long"] = 8, ["ulong"] = 8, ["u64"] = 8, ["i64"] = 8, ["double"] = 8,
    };

    [GeneratedRegex(@"\bKERNEL\s+void\s+(\w+)\s*\((.*?)\)\s*\{", RegexOptions.Singleline)]
    private static partial Regex KernelPattern();

    [GeneratedRegex(@"\bDYNAMIC_LOCAL\s*\([^)]*\)")]
    private static partial Regex DynamicLocalPattern();

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex CommentPattern();

    /// <summary>Every KERNEL function in <paramref name="source"/> (comments ignored).</summary>
    public static IReadOnlyDictionary<string, KernelSignature> Parse(string source)
    {
        var result = new Dictionary<string, KernelSignature>(StringComparer.Ordinal);
        string text = CommentPattern().Replace(source, " ");
        foreach (Match m in KernelPattern().Matches(text))
        {
            string list = m.Groups[2].Value;
            bool dynamicLocal = DynamicLocalPattern().IsMatch(list);
            list = DynamicLocalPattern().Replace(list, "");
            var parameters = new List<KernelParameter>();
            foreach (string raw in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                bool pointer = raw.Contains('*');
                string[] words = raw.Replace("*", " * ").Split((char[])[' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries);
                string name = words[^1];
                string type = words.FirstOrDefault(Sizes.ContainsKey) ?? words.Where(w => w != "*").Reverse().Skip(1).FirstOrDefault() ?? "?";
                parameters.Add(new KernelParameter(name, type, pointer, Sizes.GetValueOrDefault(type)));
            }
            result[m.Groups[1].Value] = new KernelSignature(m.Groups[1].Value, parameters, dynamicLocal);
        }
        return result;
    }

    /// <summary>Throws when <paramref name="arguments"/> do not fit this signature.</summary>
    internal void Check(ReadOnlySpan<KernelArgument> arguments, LaunchConfig config)
    {
        if (arguments.Length != Parameters.Count)
            throw new ArgumentException(
                $"Kernel {Name} takes {Parameters.Count} arguments ({string.Join(", ", Parameters.Select(p => p.Name))}) but {arguments.Length} were given.",
                nameof(arguments));
        for (int i = 0; i < arguments.Length; i++)
        {
            var p = Parameters[i];
            var a = arguments[i];
            if (p.IsPointer != a.IsBuffer)
                throw new ArgumentException(
                    $"Argument {i} ({p.Name}) of kernel {Name} must be {(p.IsPointer ? "a device buffer" : $"a {p.TypeName} scalar")}, not {a}.",
                    nameof(arguments));
            int size = a.IsBuffer ? a.Buffer!.ElementSize : a.ScalarSize;
            if (p.Size != 0 && p.Size != size)
                throw new ArgumentException(
                    $"Argument {i} ({p.Name}) of kernel {Name} is declared {p.TypeName}{(p.IsPointer ? "*" : "")} ({p.Size} bytes) but the value has {size}-byte {(a.IsBuffer ? "elements" : "size")} ({a}).",
                    nameof(arguments));
        }
        if (HasDynamicLocal && config.DynamicLocalBytes == 0)
            throw new ArgumentException($"Kernel {Name} needs dynamic local memory: set LaunchConfig.DynamicLocalBytes.", nameof(config));
        if (!HasDynamicLocal && config.DynamicLocalBytes != 0)
            throw new ArgumentException($"Kernel {Name} has no DYNAMIC_LOCAL parameter, so LaunchConfig.DynamicLocalBytes must be 0.", nameof(config));
    }
}
