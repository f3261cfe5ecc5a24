namespace GpuHbm.Sampling;

/// <summary>
/// Nesterov dual averaging of log ε toward a target mean acceptance statistic δ (Hoffman &amp; Gelman 2014,
/// §3.2, Algorithm 5; Stan's stepsize_adaptation::learn_stepsize):
/// <code>
/// t ← t + 1;  a ← min(1, accept_stat)
/// s̄ ← (1 − 1/(t + t0))·s̄ + (δ − a)/(t + t0)
/// x ← μ − √t·s̄/γ;   x̄ ← t^(−κ)·x + (1 − t^(−κ))·x̄
/// ε ← exp(x) while adapting; exp(x̄) when adaptation completes.
/// </code>
/// </summary>
public sealed class DualAveraging
{
    public DualAveraging(double targetAcceptance = 0.8, double gamma = 0.05, double t0 = 10, double kappa = 0.75)
    {
        if (!(targetAcceptance > 0 && targetAcceptance < 1)) throw new ArgumentOutOfRangeException(nameof(targetAcceptance), "δ must lie in (0, 1).");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(gamma);
        ArgumentOutOfRangeException.ThrowIfNegative(t0);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kappa);
        TargetAcceptance = targetAcceptance;
        Gamma = gamma;
        T0 = t0;
        Kappa = kappa;
    }

    public double TargetAcceptance { get; }
    public double Gamma { get; }
    public double T0 { get; }
    public double Kappa { get; }

    /// <summary>The shrinkage point μ for log ε (Stan sets log(10·ε)).</summary>
    public double Mu { get; set; }

    /// <summary>Iterations since the last restart (t).</summary>
    public int Count { get; private set; }

    /// <summary>Running average of δ − accept_stat (s̄).</summary>
    public double GradientAverage { get; private set; }

    /// <summary>Averaged iterate x̄ (log of the final step size).</summary>
    public double LogStepSizeAverage { get; private set; }

    /// <summary>Forgets the history (t = s̄ = x̄ = 0), keeping μ.</summary>
    public void Restart()
    {
        Count = 0;
        GradientAverage = 0;
        LogStepSizeAverage = 0;
    }

    /// <summary>One update with this iteration's accept_stat; returns the step size to use next, exp(x).</summary>
    public double Learn(double acceptStat)
    {
        Count++;
        double a = acceptStat > 1 ? 1 : acceptStat;
        double eta = 1.0 / (Count + T0);
        GradientAverage = (1.0 - eta) * GradientAverage + eta * (TargetAcceptance - a);
        double x = Mu - GradientAverage * Math.Sqrt(Count) / Gamma;
        double xEta = Math.Pow(Count, -Kappa);
        LogStepSizeAverage = (1.0 - xEta) * LogStepSizeAverage + xEta * x;
        return Math.Exp(x);
    }

    /// <summary>Writes μ, t, s̄ and x̄ (for a checkpoint).</summary>
    public void Save(CheckpointWriter w)
    {
        w.Write(Mu); w.Write(Count); w.Write(GradientAverage); w.Write(LogStepSizeAverage);
    }

    /// <summary>Restores what <see cref="Save"/> wrote.</summary>
    public void Restore(CheckpointReader r)
    {
        Mu = r.ReadDouble(); Count = r.ReadInt32(); GradientAverage = r.ReadDouble(); LogStepSizeAverage = r.ReadDouble();
    }

    /// <summary>The adapted step size exp(x̄).</summary>
    public double FinalStepSize => Math.Exp(LogStepSizeAverage);
}
