namespace GpuHbm.Compute;

/// <summary>
/// One argument of a kernel launch: a device buffer (passed as its cl_mem or CUdeviceptr) or a
/// 4- or 8-byte scalar. Converts implicitly from buffers and from int, uint, long, ulong,
/// float and double, so launches read <c>accelerator.Launch(k, cfg, C, D, q, p, eps)</c>.
/// </summary>
public readonly struct KernelArgument
{
    /// <summary>The buffer, when this argument is one; else null.</summary>
    public DeviceBuffer? Buffer { get; }

    /// <summary>The scalar's bits (little-endian, low bytes used for 4-byte scalars).</summary>
    internal ulong Bits { get; }

    /// <summary>The scalar's size in bytes (4 or 8); 0 for a buffer.</summary>
    public int ScalarSize { get; }

    /// <summary>The scalar's C# type name, for validation messages.</summary>
    internal string TypeName { get; }

    private KernelArgument(DeviceBuffer? buffer, ulong bits, int size, string typeName)
    {
        Buffer = buffer;
        Bits = bits;
        ScalarSize = size;
        TypeName = typeName;
    }

    /// <summary>Whether this argument is a buffer.</summary>
    public bool IsBuffer => Buffer is not null;

    public static implicit operator KernelArgument(DeviceBuffer buffer) =>
        new(buffer ?? throw new ArgumentNullException(nameof(buffer)), 0, 0, "buffer");
    public static implicit operator KernelArgument(int value) => new(null, (uint)value, 4, "int");
    public static implicit operator KernelArgument(uint value) => new(null, value, 4, "uint");
    public static implicit operator KernelArgument(float value) => new(null, BitConverter.SingleToUInt32Bits(value), 4, "float");
    public static implicit operator KernelArgument(long value) => new(null, (ulong)value, 8, "long");
    public static implicit operator KernelArgument(ulong value) => new(null, value, 8, "ulong");
    public static implicit operator KernelArgument(double value) => new(null, BitConverter.DoubleToUInt64Bits(value), 8, "double");

    public override string ToString() => Buffer is { } b ? $"buffer[{b.Length}]" : $"{TypeName}";
}
