using System.Collections.Concurrent;

namespace GpuHbm.Compute;

/// <summary>
/// A kernel source compiled for one device with one set of options (an OpenCL program, a CUDA
/// module). Hands out its entry points as <see cref="CompiledKernel"/>s, created once each.
/// Owned by the <see cref="KernelCache"/> of its accelerator.
/// </summary>
/// <remarks>
/// Interface notes: a backend supplies <see cref="CreateKernelInternal"/> and <see cref="ReleaseInternal"/>.
/// </remarks>
public abstract class CompiledModule : IDisposable
{
    private readonly ConcurrentDictionary<string, CompiledKernel> _kernels = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private bool _disposed;

    protected CompiledModule(Accelerator accelerator, KernelSource source, string options, TimeSpan compileTime, string buildLog)
    {
        Accelerator = accelerator;
        Source = source;
        Options = options;
        CompileTime = compileTime;
        BuildLog = buildLog;
    }

    /// <summary>The device it was compiled for.</summary>
    public Accelerator Accelerator { get; }

    /// <summary>The source it was compiled from.</summary>
    public KernelSource Source { get; }

    /// <summary>The compiler options (as given, without those the backend always adds).</summary>
    public string Options { get; }

    /// <summary>Wall time of the compilation (build, and for CUDA module loading).</summary>
    public TimeSpan CompileTime { get; }

    /// <summary>The compiler's log (warnings), possibly empty.</summary>
    public string BuildLog { get; }

    /// <summary>The entry point <paramref name="name"/>.</summary>
    public CompiledKernel GetKernel(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (_kernels.TryGetValue(name, out var kernel)) return kernel;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_kernels.TryGetValue(name, out kernel)) return kernel;
            if (Source.Signatures.Count > 0 && !Source.Signatures.ContainsKey(name))
                throw new DeviceException($"{Source.Name} has no kernel named '{name}' (it defines {string.Join(", ", Source.Signatures.Keys)}).");
            kernel = CreateKernelInternal(name, Source.Signatures.GetValueOrDefault(name));
            _kernels[name] = kernel;
            return kernel;
        }
    }

    /// <summary>Looks up the native entry point.</summary>
    protected abstract CompiledKernel CreateKernelInternal(string name, KernelSignature? signature);

    /// <summary>Releases the native program or module (after its kernels).</summary>
    protected abstract void ReleaseInternal();

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var k in _kernels.Values) k.Release();
            _kernels.Clear();
            ReleaseInternal();
        }
        GC.SuppressFinalize(this);
    }
}
