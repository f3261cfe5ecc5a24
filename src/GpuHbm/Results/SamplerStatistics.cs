namespace GpuHbm.Results;

/// <summary>
/// Per-draw sampler statistics of one chain, Stan's names without the trailing "__":
/// accept_stat, stepsize, treedepth, n_leapfrog, divergent, energy, lp.
/// </summary>
public sealed record ChainStatistics(
    double[] AcceptStat,
    double[] StepSize,
    int[] TreeDepth,
    int[] LeapfrogSteps,
    bool[] Divergent,
    double[] Energy,
    double[] LogDensity)
{
    public int Count => AcceptStat.Length;
}

/// <summary>What warm-up settled on for one chain.</summary>
public sealed record ChainAdaptation(double StepSize, double[] InverseMetric);
