using ILGPU;

namespace GpuHbm.Compute;

/// <summary>
/// A log density and gradient evaluated on a device for an ensemble of chains, reading and
/// writing device memory only: the device counterpart of <see cref="Models.IBatchedDensity"/>,
/// used by the device chain ensemble so that positions and gradients never leave the device.
/// </summary>
/// <remarks>
/// Interface notes: views belong to <see cref="Accelerator"/>. positions and gradient are
/// Chains × Dimension row-major; logDensity has Chains elements; active is Int32 per chain
/// (nonzero = evaluate). For an inactive chain nothing is read or written. A chain whose log
/// density or any gradient component is not finite gets logDensity = −∞ (gradient unspecified).
/// Results must equal the CPU reference (<see cref="Models.CompiledModel.Evaluate"/>) to 1e-12
/// relative in fp64 and be bit-identical from run to run on one device (fixed-order reductions,
/// no floating-point atomics). Launches are asynchronous on the accelerator's stream.
/// </remarks>
public interface IDeviceDensity : IDisposable
{
    /// <summary>The accelerator whose memory this density reads and writes.</summary>
    Accelerator Accelerator { get; }

    /// <summary>Length D of one chain's unconstrained parameter vector.</summary>
    int Dimension { get; }

    /// <summary>The most chains one call may evaluate (fixed when the density is created; scratch is sized for it).</summary>
    int MaxChains { get; }

    /// <summary>Evaluates the first <paramref name="chains"/> chains of the views.</summary>
    void Evaluate(ArrayView<double> positions, ArrayView<double> gradient, ArrayView<double> logDensity, ArrayView<int> active, int chains);
}
