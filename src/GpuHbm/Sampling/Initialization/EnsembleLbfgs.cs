using GpuHbm.Kernels;
using GpuHbm.Compute;

namespace GpuHbm.Sampling.Initialization;

/// <summary>Why one chain's optimisation stopped.</summary>
public enum LbfgsStop
{
    /// <summary>Still running (not yet stopped).</summary>
    Running,
    /// <summary>The relative change of log π fell below the tolerance, or the scaled gradient vanished.</summary>
    Converged,
    /// <summary>No step along the search direction increased log π enough (at the optimum to working precision, or stuck).</summary>
    LineSearchFailed,
    /// <summary>The iteration limit was reached.</summary>
    IterationLimit,
}

/// <summary>
/// Limited-memory BFGS (Nocedal &amp; Wright 2006, "Numerical Optimization", 2nd ed., Algorithm 7.4 two-loop recursion and
/// Algorithm 7.5) maximising log π for every active chain of an <see cref="IChainEnsemble"/> at once, written against the
/// ensemble's batched operations: the history vectors live in ensemble slots, the host sees per-chain scalars only
/// (dot products, log densities, step lengths), so it runs the same on the CPU and on a device.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Initial inverse Hessian H⁰ₖ = γₖ·D with D a fixed diagonal (the prior scales squared, <see cref="Models.ParameterScale"/>)
/// and γₖ = sᵀy / yᵀDy of the newest pair: Nocedal &amp; Wright eq. 7.20 in the metric of D (equivalently, L-BFGS with
/// H⁰ = γI on the coordinates D^(−1/2)θ).</item>
/// <item>Line search: weak Wolfe conditions (eq. 3.6 with c₁ = 10⁻⁴, c₂ = 0.9) by bisection and doubling within a bracket
/// (the "bisection" line search of Lewis &amp; Overton 2013, §4.2); the curvature condition guarantees sᵀy &gt; 0, and a pair
/// with sᵀy ≤ 10⁻¹⁰·|s||y| is not stored.</item>
/// <item>The first step is steepest ascent in the metric of D with unit length in that metric (‖t·Dg‖_(D⁻¹) = 1).</item>
/// <item>Along the path, the diagonal α of Pathfinder's inverse-Hessian approximation (Zhang, Carpenter, Gelman &amp;
/// Vehtari 2022, "Pathfinder: parallel quasi-Newton variational inference", JMLR 23(306), Algorithm 3; BlackJAX's
/// lbfgs_recover_alpha) is updated from every pair with sᵀy &gt; 10⁻¹⁰|s||y|:
/// 1/α ← (a/b)/α + y∘y/b − (a/(b·c))·(s/α)∘(s/α), a = yᵀdiag(α)y, b = yᵀs, c = sᵀdiag(1/α)s; α starts at D (the
/// prior variances; Algorithm 3 starts at 1). <see cref="DrawAroundOptimum"/> draws from the normal approximation
/// N(x, H) with H the L-BFGS matrix built on diag(α) and the stored pairs — the covariance of Pathfinder's
/// approximation at the final iterate (its eq. for Σ, the compact form of Byrd, Nocedal &amp; Schnabel 1994).</item>
/// <item>All chains share the ring position of the history (iteration k writes slot k mod m); a chain whose pair was
/// rejected marks its entry invalid and the recursions skip it with the chain's mask.</item>
/// </list>
/// </remarks>
public sealed class EnsembleLbfgs
{
    private const double ArmijoC1 = 1e-4, CurvatureC2 = 0.9;
    private const int MaxLineSearchTrials = 30;

    private readonly IChainEnsemble _e;
    private readonly int _chains, _history;
    private readonly EnsembleSlot _trialX, _trialG, _direction, _work, _diagonal, _alpha, _ones, _t1, _t2, _t3;
    private readonly double[] _prior;
    private readonly EnsembleSlot[] _s, _y;
    private readonly bool[][] _valid;
    private readonly double[][] _rho;
    private readonly double[] _gamma;
    private readonly int[] _end;   // per chain: history entries written (global iterations while it ran); entry i is in slot i mod m

    /// <summary>
    /// Slots the optimiser needs beyond the position and gradient: trial x and g, direction, work, diagonal, the Pathfinder
    /// diagonal α, ones and three temporaries, and 2 × history.
    /// </summary>
    public static int ExtraSlots(int history) => 10 + 2 * history;

    /// <param name="ensemble">The chains; their inverse metric is set to <paramref name="diagonal"/> (used by the weighted dots).</param>
    /// <param name="position">Slot holding x (the starting points on entry, the optima on return).</param>
    /// <param name="gradient">Slot holding ∇log π(x).</param>
    /// <param name="firstScratch">First of <see cref="ExtraSlots"/> consecutive scratch slots.</param>
    /// <param name="history">Number m of (s, y) pairs kept.</param>
    /// <param name="diagonal">D, the diagonal of the initial inverse Hessian (length Dimension, positive).</param>
    public EnsembleLbfgs(IChainEnsemble ensemble, EnsembleSlot position, EnsembleSlot gradient, int firstScratch, int history,
        ReadOnlySpan<double> diagonal)
    {
        ArgumentNullException.ThrowIfNull(ensemble);
        ArgumentOutOfRangeException.ThrowIfLessThan(history, 1);
        if (diagonal.Length != ensemble.Dimension) throw new ArgumentException("The diagonal must have length D.", nameof(diagonal));
        if (firstScratch + ExtraSlots(history) > ensemble.SlotCount) throw new ArgumentException("The ensemble has too few slots for L-BFGS.");
        _e = ensemble;
        _chains = ensemble.Chains;
        _history = history;
        Position = position;
        Gradient = gradient;
        int next = firstScratch;
        _trialX = new(next++); _trialG = new(next++); _direction = new(next++); _work = new(next++); _diagonal = new(next++);
        _alpha = new(next++); _ones = new(next++); _t1 = new(next++); _t2 = new(next++); _t3 = new(next++);
        _prior = diagonal.ToArray();
        _s = new EnsembleSlot[history];
        _y = new EnsembleSlot[history];
        for (int i = 0; i < history; i++) { _s[i] = new(next++); _y[i] = new(next++); }
        _valid = Enumerable.Range(0, history).Select(_ => new bool[_chains]).ToArray();
        _rho = Enumerable.Range(0, history).Select(_ => new double[_chains]).ToArray();
        _gamma = Enumerable.Repeat(1.0, _chains).ToArray();
        _end = new int[_chains];
        var all = Enumerable.Repeat(true, _chains).ToArray();
        for (int c = 0; c < _chains; c++) ensemble.SetInverseMetric(c, diagonal);
        ensemble.Broadcast(_diagonal, diagonal, all);
        ensemble.Broadcast(_alpha, diagonal, all);
        ensemble.Broadcast(_ones, Enumerable.Repeat(1.0, diagonal.Length).ToArray(), all);
        Stops = new LbfgsStop[_chains];
        Iterations = new int[_chains];
    }

    public EnsembleSlot Position { get; }
    public EnsembleSlot Gradient { get; }

    /// <summary>Why each chain stopped (after <see cref="Maximize"/>).</summary>
    public LbfgsStop[] Stops { get; }

    /// <summary>Iterations (accepted steps) per chain.</summary>
    public int[] Iterations { get; }

    /// <summary>
    /// Maximises log π from the points in <see cref="Position"/> for the active chains (their gradient in <see cref="Gradient"/>
    /// and log density in <paramref name="logDensity"/>, all finite). On return Position, Gradient and logDensity hold the
    /// last accepted iterate of every active chain. A chain stops when an accepted step changes log π by less than
    /// <paramref name="relativeTolerance"/> times max(1, |log π|), or after <paramref name="maxIterations"/> steps.
    /// </summary>
    public void Maximize(ReadOnlySpan<bool> active, Span<double> logDensity, int maxIterations, double relativeTolerance = 1e-10)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxIterations);
        var running = active.ToArray();
        for (int c = 0; c < _chains; c++) Stops[c] = running[c] ? LbfgsStop.Running : LbfgsStop.Converged;
        var slope = new double[_chains];
        var step = new double[_chains];
        var dots = new double[3 * _chains];
        var ones = Enumerable.Repeat(1.0, _chains).ToArray();

        for (int k = 0; k < maxIterations && Nuts.Any(running); k++)
        {
            // Direction d = H·∇log π (ascent); slope gᵀd must be positive, else restart from steepest ascent.
            SearchDirection(running);
            _e.Dots([new(Gradient, _direction, DotWeight.None), new(Gradient, Gradient, DotWeight.InverseMetric)], running, dots);
            var restart = new bool[_chains];
            bool anyRestart = false;
            for (int c = 0; c < _chains; c++)
            {
                if (!running[c]) continue;
                slope[c] = dots[c];
                double scaledNorm = Math.Sqrt(dots[_chains + c]);
                if (!(scaledNorm > 1e-12 * Math.Max(1, Math.Abs(logDensity[c]))))
                {
                    running[c] = false;
                    Stops[c] = LbfgsStop.Converged;
                    continue;
                }
                bool noHistory = !HasHistory(c);
                if (noHistory || !(slope[c] > 0) || !double.IsFinite(slope[c]))
                {
                    restart[c] = true;
                    anyRestart = true;
                    slope[c] = dots[_chains + c];                    // d = D·g: slope gᵀDg
                    step[c] = noHistory && k == 0 ? 1 / scaledNorm : 1;
                    if (!noHistory) ForgetHistory(c);
                }
                else step[c] = 1;
            }
            if (anyRestart) _e.Multiply(_direction, Gradient, _diagonal, restart);
            if (!Nuts.Any(running)) break;

            var accepted = LineSearch(running, logDensity, slope, step, out var trialLogDensity);
            StoreAndAdvance(k, running, accepted, logDensity, trialLogDensity, relativeTolerance, ones);
        }
        for (int c = 0; c < _chains; c++)
            if (Stops[c] == LbfgsStop.Running) Stops[c] = LbfgsStop.IterationLimit;
    }

    /// <summary>
    /// destination ← x + u with u ~ N(0, H) for each active chain, H the L-BFGS inverse-Hessian approximation at the last
    /// iterate built on Pathfinder's diagonal α: u₀ = √α∘ξ₀, then for each stored pair, oldest first, u ← Vᵀu + √ρ·ξᵢ·s with V = I − ρ y sᵀ, because
    /// H_(i+1) = VᵢᵀHᵢVᵢ + ρᵢsᵢsᵢᵀ (the BFGS inverse update, Nocedal &amp; Wright eq. 6.17): if u ~ N(0, Hᵢ) then
    /// Vᵢᵀu + √ρᵢ ξ sᵢ ~ N(0, Hᵢ₊₁). ξ are standard normals from Philox (seed, chain, <paramref name="counter"/>,
    /// <see cref="RandomPurpose.InitialDraw"/>); <paramref name="scratch"/> receives a momentum draw. <paramref name="spread"/>
    /// multiplies u (1 draws from the approximation itself).
    /// </summary>
    public void DrawAroundOptimum(EnsembleSlot destination, EnsembleSlot scratch, uint counter, ReadOnlySpan<bool> active, double spread = 1)
    {
        var mask = active.ToArray();
        // α per chain, guarded (a non-positive or non-finite entry falls back to the prior variance), as the chain's metric.
        var row = new double[_e.Dimension];
        for (int c = 0; c < _chains; c++)
        {
            if (!mask[c]) continue;
            _e.ReadRow(_alpha, c, row);
            for (int i = 0; i < row.Length; i++)
                if (!(row[i] > 0) || !double.IsFinite(row[i])) row[i] = _prior[i];
            _e.WriteRow(_alpha, c, row);
            _e.SetInverseMetric(c, row);
        }
        var kinetic = new double[_chains];
        // p = z/√α with the chain's inverse metric α; u = α∘p = √α∘z ~ N(0, diag(α)).
        _e.DrawMomentum(scratch, RandomPurpose.InitialDraw, counter, mask, kinetic);
        _e.Multiply(_work, scratch, _alpha, mask);
        var coefficient = new double[_chains];
        var dots = new double[_chains];
        var ones = Enumerable.Repeat(1.0, _chains).ToArray();
        foreach (var (j, pairMask) in History(mask, newestFirst: false))
        {
            _e.Dots([new(_y[j], _work, DotWeight.None)], pairMask, dots);
            for (int c = 0; c < _chains; c++)
                if (pairMask[c]) coefficient[c] = -_rho[j][c] * dots[c] + Math.Sqrt(_rho[j][c]) * PairNormal(c, counter, j);
            _e.Combine(_work, _work, ones, _s[j], coefficient, pairMask);
        }
        var spreadCoefficient = Enumerable.Repeat(spread, _chains).ToArray();
        _e.Combine(destination, Position, ones, _work, spreadCoefficient, mask);
    }

    /// <summary>Pathfinder's diagonal α of one chain (for tests).</summary>
    internal double[] PathfinderDiagonal(int chain)
    {
        var row = new double[_e.Dimension];
        _e.ReadRow(_alpha, chain, row);
        return row;
    }

    /// <summary>One chain's stored (s, y, ρ) pairs, oldest first (for tests).</summary>
    internal List<(double[] S, double[] Y, double Rho)> StoredPairs(int chain)
    {
        var mask = new bool[_chains];
        mask[chain] = true;
        var pairs = new List<(double[], double[], double)>();
        foreach (var (j, _) in History(mask, newestFirst: false))
        {
            double[] sRow = new double[_e.Dimension], yRow = new double[_e.Dimension];
            _e.ReadRow(_s[j], chain, sRow);
            _e.ReadRow(_y[j], chain, yRow);
            pairs.Add((sRow, yRow, _rho[j][chain]));
        }
        return pairs;
    }

    private double PairNormal(int chain, uint counter, int pair)
    {
        // Pairs use the second Philox stream of the draw (counter with the top bit set), so they are independent of ξ₀.
        var (u0, u1) = Philox.Uniforms(_e.Seed, _e.ChainId(chain), counter | 0x80000000u, RandomPurpose.InitialDraw, (uint)pair);
        return Math.Sqrt(-2 * Math.Log(u0)) * Math.Cos(2 * Math.PI * u1);
    }

    private bool HasHistory(int chain)
    {
        for (int j = 0; j < _history; j++) if (_valid[j][chain]) return true;
        return false;
    }

    private void ForgetHistory(int chain)
    {
        for (int j = 0; j < _history; j++) _valid[j][chain] = false;
        _gamma[chain] = 1;
    }

    /// <summary>
    /// The history of the chains in <paramref name="baseMask"/> from the newest pair to the oldest (or the reverse), as
    /// (slot, mask) groups: chains that stopped at different iterations hold their pairs at different ring positions.
    /// </summary>
    private IEnumerable<(int Slot, bool[] Mask)> History(bool[] baseMask, bool newestFirst)
    {
        for (int step = 0; step < _history; step++)
        {
            int rank = newestFirst ? step : _history - 1 - step;
            for (int j = 0; j < _history; j++)
            {
                var mask = new bool[_chains];
                bool any = false;
                for (int c = 0; c < _chains; c++)
                {
                    if (!baseMask[c] || rank >= Math.Min(_end[c], _history)) continue;
                    int slot = ((_end[c] - 1 - rank) % _history + _history) % _history;
                    if (slot != j || !_valid[j][c]) continue;
                    mask[c] = true;
                    any = true;
                }
                if (any) yield return (j, mask);
            }
        }
    }

    /// <summary>_direction ← H·g by the two-loop recursion (Nocedal &amp; Wright Algorithm 7.4) for chains with history.</summary>
    private void SearchDirection(bool[] running)
    {
        var withHistory = new bool[_chains];
        for (int c = 0; c < _chains; c++) withHistory[c] = running[c] && HasHistory(c);
        if (!Nuts.Any(withHistory)) return;
        var ones = Enumerable.Repeat(1.0, _chains).ToArray();
        var coefficient = new double[_chains];
        var dots = new double[_chains];
        var alpha = Enumerable.Range(0, _history).Select(_ => new double[_chains]).ToArray();
        _e.Copy(_work, Gradient, withHistory);                                       // q ← g
        foreach (var (j, mask) in History(withHistory, newestFirst: true))
        {
            _e.Dots([new(_s[j], _work, DotWeight.None)], mask, dots);
            for (int c = 0; c < _chains; c++)
            {
                if (!mask[c]) continue;
                alpha[j][c] = _rho[j][c] * dots[c];
                coefficient[c] = -alpha[j][c];
            }
            _e.Combine(_work, _work, ones, _y[j], coefficient, mask);               // q ← q − αᵢ yᵢ
        }
        _e.Multiply(_direction, _work, _diagonal, withHistory);                     // r ← γ D q
        _e.Combine(_direction, _direction, _gamma, _direction, new double[_chains], withHistory);
        foreach (var (j, mask) in History(withHistory, newestFirst: false))
        {
            _e.Dots([new(_y[j], _direction, DotWeight.None)], mask, dots);
            for (int c = 0; c < _chains; c++)
                if (mask[c]) coefficient[c] = alpha[j][c] - _rho[j][c] * dots[c];
            _e.Combine(_direction, _direction, ones, _s[j], coefficient, mask);      // r ← r + (αᵢ − βᵢ) sᵢ
        }
    }

    /// <summary>Weak-Wolfe bisection line search along _direction; returns the chains whose step was accepted.</summary>
    private bool[] LineSearch(bool[] running, Span<double> logDensity, double[] slope, double[] step, out double[] trialLogDensity)
    {
        var searching = running.ToArray();
        var accepted = new bool[_chains];
        var lo = new double[_chains];
        var hi = Enumerable.Repeat(double.PositiveInfinity, _chains).ToArray();
        var ones = Enumerable.Repeat(1.0, _chains).ToArray();
        trialLogDensity = new double[_chains];
        var trialSlope = new double[_chains];
        for (int trial = 0; trial < MaxLineSearchTrials && Nuts.Any(searching); trial++)
        {
            _e.Combine(_trialX, Position, ones, _direction, step, searching);
            _e.Evaluate(_trialX, _trialG, searching, trialLogDensity);
            _e.Dots([new(_trialG, _direction, DotWeight.None)], searching, trialSlope);
            for (int c = 0; c < _chains; c++)
            {
                if (!searching[c]) continue;
                double t = step[c];
                bool sufficient = double.IsFinite(trialLogDensity[c]) && trialLogDensity[c] >= logDensity[c] + ArmijoC1 * t * slope[c];
                if (!sufficient) hi[c] = t;
                else if (trialSlope[c] > CurvatureC2 * slope[c]) lo[c] = t;   // still climbing steeply: the step is too short
                else { accepted[c] = true; searching[c] = false; continue; }
                step[c] = double.IsPositiveInfinity(hi[c]) ? 2 * lo[c] : 0.5 * (lo[c] + hi[c]);
            }
        }
        // A chain that met the sufficient-increase condition at lo but never the curvature condition still moves to lo.
        var fallback = new bool[_chains];
        for (int c = 0; c < _chains; c++)
        {
            if (!searching[c]) continue;
            if (lo[c] > 0) { fallback[c] = true; step[c] = lo[c]; }
        }
        if (Nuts.Any(fallback))
        {
            _e.Combine(_trialX, Position, ones, _direction, step, fallback);
            _e.Evaluate(_trialX, _trialG, fallback, trialLogDensity);
            for (int c = 0; c < _chains; c++) if (fallback[c] && double.IsFinite(trialLogDensity[c])) accepted[c] = true;
        }
        return accepted;
    }

    /// <summary>Stores sₖ = x⁺ − x and yₖ = g − g⁺ (the gradient change of −log π), moves accepted chains and checks convergence.</summary>
    private void StoreAndAdvance(int k, bool[] running, bool[] accepted, Span<double> logDensity, double[] trialLogDensity,
        double relativeTolerance, double[] ones)
    {
        int j = k % _history;
        var minusOnes = Enumerable.Repeat(-1.0, _chains).ToArray();
        _e.Combine(_s[j], _trialX, ones, Position, minusOnes, accepted);
        _e.Combine(_y[j], Gradient, ones, _trialG, minusOnes, accepted);
        var dots = new double[4 * _chains];
        _e.Dots([new(_s[j], _y[j], DotWeight.None), new(_s[j], _s[j], DotWeight.None), new(_y[j], _y[j], DotWeight.None),
            new(_y[j], _y[j], DotWeight.InverseMetric)], accepted, dots);
        for (int c = 0; c < _chains; c++)
        {
            if (!running[c]) continue;
            if (!accepted[c])
            {
                running[c] = false;
                Stops[c] = LbfgsStop.LineSearchFailed;
                continue;
            }
            _valid[j][c] = false;
            _end[c] = k + 1;
            double sy = dots[c], ss = dots[_chains + c], yy = dots[2 * _chains + c], yDy = dots[3 * _chains + c];
            if (sy > 1e-10 * Math.Sqrt(ss * yy) && yDy > 0 && double.IsFinite(sy))
            {
                _valid[j][c] = true;
                _rho[j][c] = 1 / sy;
                _gamma[c] = sy / yDy;
            }
            Iterations[c]++;
            double change = trialLogDensity[c] - logDensity[c];
            logDensity[c] = trialLogDensity[c];
            if (change <= relativeTolerance * Math.Max(1, Math.Abs(logDensity[c])))
            {
                running[c] = false;
                Stops[c] = LbfgsStop.Converged;
            }
        }
        UpdatePathfinderDiagonal(j, accepted, dots);
        _e.Copy(Position, _trialX, accepted);
        _e.Copy(Gradient, _trialG, accepted);
    }

    /// <summary>Pathfinder's diagonal update (Zhang et al. 2022, Algorithm 3) from pair j for the chains whose pair is valid.</summary>
    private void UpdatePathfinderDiagonal(int j, bool[] accepted, double[] pairDots)
    {
        var mask = new bool[_chains];
        for (int c = 0; c < _chains; c++) mask[c] = accepted[c] && _valid[j][c];
        if (!Nuts.Any(mask)) return;
        var dots = new double[2 * _chains];
        _e.Multiply(_t1, _y[j], _alpha, mask);                                   // α∘y
        _e.Divide(_t2, _s[j], _alpha, mask);                                     // s/α
        _e.Dots([new(_t1, _y[j], DotWeight.None), new(_t2, _s[j], DotWeight.None)], mask, dots);
        var first = new double[_chains];
        var second = new double[_chains];
        var ones = Enumerable.Repeat(1.0, _chains).ToArray();
        var third = new double[_chains];
        for (int c = 0; c < _chains; c++)
        {
            if (!mask[c]) continue;
            double a = dots[c], b = pairDots[c], cc = dots[_chains + c];
            first[c] = a / b;
            second[c] = 1 / b;
            third[c] = -a / (b * cc);
        }
        _e.Multiply(_t2, _t2, _t2, mask);                                        // (s/α)²
        _e.Divide(_t3, _ones, _alpha, mask);                                     // 1/α
        _e.Multiply(_t1, _y[j], _y[j], mask);                                    // y²
        _e.Combine(_t3, _t3, first, _t1, second, mask);                          // (a/b)/α + y²/b
        _e.Combine(_t3, _t3, ones, _t2, third, mask);                            //   − a/(bc)·(s/α)²
        _e.Divide(_alpha, _ones, _t3, mask);
    }
}
