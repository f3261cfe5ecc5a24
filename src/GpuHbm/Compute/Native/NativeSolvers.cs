using GpuHbm.Compute.Cuda;
using GpuHbm.Models.Kinship;

namespace GpuHbm.Compute.Native;

/// <summary>
/// The native solvers the kinship set-up uses, as <see cref="INativeSolvers"/>: native LAPACK (<see cref="LapackApi"/>)
/// and cuSOLVER on ILGPU's CUDA accelerator (<see cref="CusolverEigenSolver"/>). Registered by the composition root.
/// </summary>
internal sealed class NativeSolvers : INativeSolvers
{
    public ISymmetricEigenSolver? LapackEigen(out string why) => LapackApi.TryGet(out why);

    public ICholeskyFactorization? LapackCholesky() => LapackApi.TryGet(out _);

    public ISymmetricEigenSolver? CusolverEigen(out string why)
    {
        why = CusolverEigenSolver.Unavailable() ?? "";
        return why.Length == 0 ? new Cusolver() : null;
    }

    private sealed class Cusolver : ISymmetricEigenSolver
    {
        public string Description => CusolverEigenSolver.Describe();

        public void Decompose(double[] a, int n, double[] w, bool vectors = true)
        {
            if (!vectors) throw new NotSupportedException("GpuHbm runs cuSOLVER's dsyevd for eigenvectors only");
            CusolverEigenSolver.Decompose(a, n, w);
        }
    }
}
