namespace GpuHbm.Compute;

/// <summary>
/// One entry point of a <see cref="CompiledModule"/>, ready to launch with
/// <see cref="Accelerator.Launch"/>. Owned by its module; disposed with it.
/// </summary>
public abstract class CompiledKernel
{
    protected CompiledKernel(CompiledModule module, string name, KernelSignature? signature)
    {
        Module = module;
        Name = name;
        Signature = signature;
    }

    /// <summary>The compiled program this kernel belongs to.</summary>
    public CompiledModule Module { get; }

    /// <summary>The entry point's name.</summary>
    public string Name { get; }

    /// <summary>The parameter list read from the source, used to check launch arguments; null when it could not be read.</summary>
    public KernelSignature? Signature { get; }

    /// <summary>The largest group size this kernel can be launched with on its device.</summary>
    public abstract int MaxGroupSize { get; }

    /// <summary>Releases the native kernel object.</summary>
    protected internal abstract void Release();

    public override string ToString() => $"{Name} ({Module.Source.Name} on {Module.Accelerator.Device.Describe()})";
}
