using System.Diagnostics;

namespace GpuHbm.Compute;

/// <summary>
/// The compiled modules of one accelerator, keyed by (source hash, options, device), so each
/// program is compiled once per process. Thread-safe; a module is compiled by the first caller
/// while others asking for the same key wait. Disposed with its accelerator.
/// </summary>
public sealed class KernelCache : IDisposable
{
    private readonly Accelerator _accelerator;
    private readonly Dictionary<KernelCacheKey, Lazy<CompiledModule>> _modules = [];
    private readonly object _gate = new();
    private bool _disposed;

    internal KernelCache(Accelerator accelerator) => _accelerator = accelerator;

    /// <summary>How many modules have been compiled (cache misses).</summary>
    public int Compilations { get; private set; }

    /// <summary>Total time spent compiling.</summary>
    public TimeSpan CompileTime { get; private set; }

    /// <summary>The cached modules.</summary>
    public IReadOnlyCollection<CompiledModule> Modules
    {
        get
        {
            lock (_gate) return _modules.Values.Where(l => l.IsValueCreated).Select(l => l.Value).ToList();
        }
    }

    /// <summary>The module for <paramref name="source"/> and <paramref name="options"/>, compiling it on first use.</summary>
    public CompiledModule GetOrCompile(KernelSource source, string options = "")
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        if (source.Dialect != _accelerator.Dialect)
            throw new ArgumentException(
                $"The kernel source {source.Name} was prepared for {source.Dialect}, but {_accelerator.Device.Describe()} compiles {_accelerator.Dialect}.",
                nameof(source));
        var key = new KernelCacheKey(source.Hash, options, _accelerator.Device.Key);
        Lazy<CompiledModule> entry;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_modules.TryGetValue(key, out entry!))
            {
                entry = new Lazy<CompiledModule>(() => Compile(source, options), LazyThreadSafetyMode.ExecutionAndPublication);
                _modules[key] = entry;
            }
        }
        try
        {
            return entry.Value;
        }
        catch
        {
            // A failed compilation is not cached: the next call reports the error again.
            lock (_gate) _modules.Remove(key);
            throw;
        }
    }

    private CompiledModule Compile(KernelSource source, string options)
    {
        var watch = Stopwatch.StartNew();
        var module = _accelerator.CompileInternal(source, options);
        lock (_gate)
        {
            Compilations++;
            CompileTime += watch.Elapsed;
        }
        return module;
    }

    public void Dispose()
    {
        List<Lazy<CompiledModule>> entries;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            entries = [.. _modules.Values];
            _modules.Clear();
        }
        foreach (var e in entries)
            if (e.IsValueCreated) e.Value.Dispose();
    }
}
