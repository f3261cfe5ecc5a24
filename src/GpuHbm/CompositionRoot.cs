using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using GpuHbm.Compute.Native;
using GpuHbm.Models.Kinship;

namespace GpuHbm;

/// <summary>
/// Wires the layers together where they meet: the model layer's kinship code reaches the compute layer's native
/// solvers (LAPACK, cuSOLVER) only through <see cref="INativeSolvers"/>, registered here when the library loads, so
/// that Models never imports Compute. (Sampler dispatch, the other meeting point, is <see cref="SamplerDispatch"/>.)
/// </summary>
internal static class CompositionRoot
{
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255", Justification = "The library wires its own layers; nothing outside it is touched.")]
    internal static void Wire() => KinshipLinearAlgebra.Native = new NativeSolvers();
}
