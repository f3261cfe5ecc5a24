using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace GpuHbm.Compute;

/// <summary>
/// A complete kernel program for one dialect: a dialect define, kernels/prelude.h, then the
/// kernel file with its <c>#include "x.h"</c> lines replaced by the embedded headers. <c>#line</c>
/// directives keep compiler messages pointing at the original file and line.
/// </summary>
/// <remarks>
/// Kernel files are embedded in the assembly as resources named GpuHbm.kernels.&lt;file&gt;
/// (see GpuHbm.csproj). <see cref="Hash"/> (SHA-256 of <see cref="Text"/>) keys the kernel cache.
/// </remarks>
public sealed partial class KernelSource
{
    private const string ResourcePrefix = "GpuHbm.kernels.";
    private const string PreludeFile = "prelude.h";

    private KernelSource(string name, KernelDialect dialect, string text, string body)
    {
        Name = name;
        Dialect = dialect;
        Text = text;
        Hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
        Signatures = KernelSignature.Parse(body);
    }

    /// <summary>The kernel file's name (e.g. ensemble.cl), used in compiler messages.</summary>
    public string Name { get; }

    /// <summary>The dialect the text is written for.</summary>
    public KernelDialect Dialect { get; }

    /// <summary>The full program text handed to the compiler.</summary>
    public string Text { get; }

    /// <summary>SHA-256 of <see cref="Text"/>, as hex.</summary>
    public string Hash { get; }

    /// <summary>The KERNEL functions the file defines, by entry-point name.</summary>
    public IReadOnlyDictionary<string, KernelSignature> Signatures { get; }

    /// <summary>An embedded kernel file (e.g. "ensemble.cl") prepared for <paramref name="dialect"/>.</summary>
    public static KernelSource FromResource(string fileName, KernelDialect dialect) =>
        FromText(fileName, ReadResource(fileName), dialect);

    /// <summary>Kernel code given as text (it may include embedded headers), prepared for <paramref name="dialect"/>.</summary>
    public static KernelSource FromText(string name, string body, KernelDialect dialect)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(body);
        var included = new HashSet<string>(StringComparer.Ordinal) { PreludeFile };
        string expandedBody = ExpandIncludes(name, body, included);
        var sb = new StringBuilder();
        sb.Append(dialect == KernelDialect.OpenCl ? "#define GPUHBM_OPENCL 1\n" : "#define GPUHBM_CUDA 1\n");
        sb.Append("#line 1 \"").Append(PreludeFile).Append("\"\n");
        sb.Append(ReadResource(PreludeFile)).Append('\n');
        sb.Append(expandedBody);
        return new KernelSource(name, dialect, sb.ToString(), expandedBody);
    }

    /// <summary>The text of an embedded file under kernels/.</summary>
    public static string ReadResource(string fileName)
    {
        var assembly = typeof(KernelSource).Assembly;
        using Stream stream = assembly.GetManifestResourceStream(ResourcePrefix + fileName)
            ?? throw new DeviceException($"The kernel file '{fileName}' is not embedded in {assembly.GetName().Name} "
                + $"(embedded: {string.Join(", ", EmbeddedFiles(assembly))}).");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private static IEnumerable<string> EmbeddedFiles(Assembly assembly) =>
        assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)).Select(n => n[ResourcePrefix.Length..]);

    [GeneratedRegex("^[ \\t]*#[ \\t]*include[ \\t]+\"([^\"]+)\"[ \\t]*$")]
    private static partial Regex IncludePattern();

    /// <summary>Inlines quoted includes from the embedded files, each once, with #line bookkeeping.</summary>
    private static string ExpandIncludes(string name, string text, HashSet<string> included)
    {
        var sb = new StringBuilder();
        sb.Append("#line 1 \"").Append(name).Append("\"\n");
        string[] lines = text.Replace("\r\n", "\n").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var m = IncludePattern().Match(lines[i]);
            if (!m.Success)
            {
                sb.Append(lines[i]).Append('\n');
                continue;
            }
            string header = m.Groups[1].Value;
            if (included.Add(header)) sb.Append(ExpandIncludes(header, ReadResource(header), included));
            sb.Append("#line ").Append(i + 2).Append(" \"").Append(name).Append("\"\n");
        }
        return sb.ToString();
    }
}
