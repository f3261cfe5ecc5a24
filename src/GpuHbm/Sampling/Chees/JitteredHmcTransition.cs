using GpuHbm.Kernels;
using GpuHbm.Compute;

namespace GpuHbm.Sampling.Chees;

/// <summary>
/// One static-length HMC transition for every chain of an ensemble (Neal 2011, §5.3.2): fresh momentum,
/// L leapfrog steps, Metropolis accept/reject with a Philox uniform. Split in two so that the adaptation
/// can look at the proposal (Q, P) and the starting point (Position) before the accept step.
/// </summary>
internal sealed class JitteredHmcTransition
{
    private readonly IChainEnsemble _e;
    private readonly HmcSlots _s;
    private readonly int _chains;
    private readonly bool[] _all, _accept;
    private readonly double[] _kinetic, _h0, _h1, _lp1, _step;
    private int _steps;
    private double _stepSize;

    public JitteredHmcTransition(IChainEnsemble ensemble, HmcSlots slots, int chains)
    {
        _e = ensemble;
        _s = slots;
        _chains = chains;
        _all = Enumerable.Repeat(true, chains).ToArray();
        _accept = new bool[chains];
        _kinetic = new double[chains]; _h0 = new double[chains]; _h1 = new double[chains]; _lp1 = new double[chains]; _step = new double[chains];
        AcceptProbability = new double[chains];
        Divergent = new bool[chains];
        Reports = new NutsTransition[chains];
    }

    /// <summary>min(1, exp(H0 − H1)) of the latest proposal.</summary>
    public double[] AcceptProbability { get; }

    /// <summary>H1 − H0 &gt; 1000 (or not finite) for the latest proposal.</summary>
    public bool[] Divergent { get; }

    /// <summary>Per-chain statistics of the latest completed transition.</summary>
    public NutsTransition[] Reports { get; }

    public void Propose(uint iteration, double stepSize, int steps, ReadOnlySpan<double> logDensity)
    {
        _steps = steps;
        _stepSize = stepSize;
        Array.Fill(_step, stepSize);
        _e.Copy(_s.Q, _s.Position, _all);
        _e.Copy(_s.G, _s.Gradient, _all);
        _e.DrawMomentum(_s.P, RandomPurpose.Momentum, iteration, _all, _kinetic);
        for (int c = 0; c < _chains; c++) _h0[c] = -logDensity[c] + _kinetic[c];
        _e.Leapfrog(_s.Q, _s.P, _s.G, _step, steps, _all, _lp1, _kinetic);
        for (int c = 0; c < _chains; c++)
        {
            double h = -_lp1[c] + _kinetic[c];
            if (double.IsNaN(h)) h = double.PositiveInfinity;
            _h1[c] = h;
            double logRatio = _h0[c] - h;
            AcceptProbability[c] = logRatio > 0 ? 1 : Math.Exp(logRatio);
            Divergent[c] = h - _h0[c] > Nuts.MaxEnergyError;
        }
    }

    public void Accept(uint iteration, Span<double> logDensity)
    {
        for (int c = 0; c < _chains; c++)
        {
            _accept[c] = !Divergent[c] &&
                Philox.Uniform(_e.Seed, _e.ChainId(c), iteration, RandomPurpose.MetropolisAcceptance) < AcceptProbability[c];
            if (_accept[c]) logDensity[c] = _lp1[c];
            Reports[c] = new NutsTransition(AcceptProbability[c], _stepSize, 0, _steps, Divergent[c], _accept[c] ? _h1[c] : _h0[c], logDensity[c]);
        }
        _e.Copy(_s.Position, _s.Q, _accept);
        _e.Copy(_s.Gradient, _s.G, _accept);
    }
}
