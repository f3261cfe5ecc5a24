namespace GpuHbm.Compute;

/// <summary>
/// One parameter of a kernel as declared in its source: a global pointer (a buffer argument)
/// or a scalar, with the element or scalar size used to check launch arguments.
/// </summary>
/// <param name="Name">The parameter's name in the source.</param>
/// <param name="TypeName">The declared base type (double, int, u32, ...).</param>
/// <param name="IsPointer">True for a GLOBAL pointer, passed as a buffer.</param>
/// <param name="Size">Bytes of the scalar or of one pointed-to element; 0 when the type is unknown.</param>
public sealed record KernelParameter(string Name, string TypeName, bool IsPointer, int Size);
