using GpuHbm.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace GpuHbm.Compute;

public sealed partial class DeviceChainEnsemble
{
    /// <summary>The ensemble kernels (<see cref="EnsembleKernels"/>) loaded on one accelerator, with their launch shapes.</summary>
    private sealed class Launchers(Accelerator acc)
    {
        private readonly Action<KernelConfig, EnsembleView, int, int> _copy =
            acc.Kernel("EnsembleKernels.Copy", a => a.LoadStreamKernel<EnsembleView, int, int>(EnsembleKernels.Copy));
        private readonly Action<KernelConfig, EnsembleView, int, int, double, int, double> _combine =
            acc.Kernel("EnsembleKernels.Combine", a => a.LoadStreamKernel<EnsembleView, int, int, double, int, double>(EnsembleKernels.Combine));
        private readonly Action<KernelConfig, EnsembleView, int, int, ArrayView<double>, int, ArrayView<double>> _combinePerChain =
            acc.Kernel("EnsembleKernels.CombinePerChain", a => a.LoadStreamKernel<EnsembleView, int, int, ArrayView<double>, int, ArrayView<double>>(EnsembleKernels.CombinePerChain));
        private readonly Action<KernelConfig, EnsembleView, int, int, int, int> _multiplyOrDivide =
            acc.Kernel("EnsembleKernels.MultiplyOrDivide", a => a.LoadStreamKernel<EnsembleView, int, int, int, int>(EnsembleKernels.MultiplyOrDivide));
        private readonly Action<KernelConfig, EnsembleView, int, ArrayView<double>> _broadcast =
            acc.Kernel("EnsembleKernels.Broadcast", a => a.LoadStreamKernel<EnsembleView, int, ArrayView<double>>(EnsembleKernels.Broadcast));
        private readonly Action<KernelConfig, EnsembleView, int, ulong, uint, RandomPurpose, ArrayView<double>> _momentum =
            acc.Kernel("EnsembleKernels.Momentum", a => a.LoadStreamKernel<EnsembleView, int, ulong, uint, RandomPurpose, ArrayView<double>>(EnsembleKernels.Momentum));
        private readonly Action<KernelConfig, EnsembleView, SlotPairs, ArrayView<double>> _dots =
            acc.Kernel("EnsembleKernels.Dots", a => a.LoadStreamKernel<EnsembleView, SlotPairs, ArrayView<double>>(EnsembleKernels.Dots));
        private readonly Action<KernelConfig, EnsembleView, int, int, int, ArrayView<double>> _leapfrogBegin =
            acc.Kernel("EnsembleKernels.LeapfrogBegin", a => a.LoadStreamKernel<EnsembleView, int, int, int, ArrayView<double>>(EnsembleKernels.LeapfrogBegin));
        private readonly Action<KernelConfig, EnsembleView, int, int, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<long>> _leapfrogEnd =
            acc.Kernel("EnsembleKernels.LeapfrogEnd", a => a.LoadStreamKernel<EnsembleView, int, int, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<long>>(EnsembleKernels.LeapfrogEnd));
        private readonly Action<KernelConfig, EnsembleView, int, ArrayView<double>, ArrayView<long>> _checkFinite =
            acc.Kernel("EnsembleKernels.CheckFinite", a => a.LoadStreamKernel<EnsembleView, int, ArrayView<double>, ArrayView<long>>(EnsembleKernels.CheckFinite));
        private readonly Action<KernelConfig, EnsembleView, int, ArrayView<double>, ArrayView<double>, ArrayView<double>> _moments =
            acc.Kernel("EnsembleKernels.Moments", a => a.LoadStreamKernel<EnsembleView, int, ArrayView<double>, ArrayView<double>, ArrayView<double>>(EnsembleKernels.Moments));

        private KernelConfig Elements(EnsembleView e) => acc.Shape(acc.GroupsFor((long)e.Chains * e.Dimension));

        private KernelConfig PerChain(EnsembleView e) => acc.Shape(acc.GroupsForGroups(e.Chains));

        private void Run(string what, Action launch)
        {
            acc.Guard(what, launch);
            acc.Launched();
        }

        public void Copy(EnsembleView e, int destination, int source) =>
            Run("copying ensemble rows", () => _copy(Elements(e), e, destination, source));

        public void Combine(EnsembleView e, int destination, int a, double alpha, int b, double beta) =>
            Run("combining ensemble rows", () => _combine(Elements(e), e, destination, a, alpha, b, beta));

        public void CombinePerChain(EnsembleView e, int destination, int a, ArrayView<double> alpha, int b, ArrayView<double> beta) =>
            Run("combining ensemble rows with per-chain coefficients", () => _combinePerChain(Elements(e), e, destination, a, alpha, b, beta));

        public void MultiplyOrDivide(EnsembleView e, int destination, int a, int b, bool divide) =>
            Run(divide ? "dividing ensemble rows" : "multiplying ensemble rows", () => _multiplyOrDivide(Elements(e), e, destination, a, b, divide ? 1 : 0));

        public void Broadcast(EnsembleView e, int destination, ArrayView<double> row) =>
            Run("broadcasting a row", () => _broadcast(Elements(e), e, destination, row));

        public void Momentum(EnsembleView e, int momentum, ulong seed, uint counter, RandomPurpose purpose, ArrayView<double> output) =>
            Run("drawing momenta", () => _momentum(PerChain(e), e, momentum, seed, counter, purpose, output));

        public void Dots(EnsembleView e, SlotPairs pairs, ArrayView<double> output) =>
            Run("taking dot products", () => _dots(acc.Shape(acc.GroupsForGroups((long)pairs.Count * e.Chains)), e, pairs, output));

        public void LeapfrogBegin(EnsembleView e, int position, int momentum, int gradient, ArrayView<double> stepSize) =>
            Run("stepping positions", () => _leapfrogBegin(Elements(e), e, position, momentum, gradient, stepSize));

        public void LeapfrogEnd(EnsembleView e, int momentum, int gradient, ArrayView<double> stepSize, ArrayView<double> logDensity,
            ArrayView<double> output, ArrayView<long> evaluations) =>
            Run("stepping momenta", () => _leapfrogEnd(PerChain(e), e, momentum, gradient, stepSize, logDensity, output, evaluations));

        public void CheckFinite(EnsembleView e, int gradient, ArrayView<double> logDensity, ArrayView<long> evaluations) =>
            Run("checking densities", () => _checkFinite(acc.Shape(acc.GroupsFor(e.Chains)), e, gradient, logDensity, evaluations));

        public void Moments(EnsembleView e, int slot, ArrayView<double> weights, ArrayView<double> used, ArrayView<double> output) =>
            Run("taking cross-chain moments", () => _moments(acc.Shape(1), e, slot, weights, used, output));
    }
}
