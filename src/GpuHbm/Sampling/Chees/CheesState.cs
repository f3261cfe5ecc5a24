using System.Text.Json;
using System.Text.Json.Serialization;
using GpuHbm.Compute;

namespace GpuHbm.Sampling.Chees;

/// <summary>
/// What a ChEES run carries through sampling, for <see cref="SamplerCheckpoint"/>: the ensemble's positions, gradients
/// and log densities, the shared step size, trajectory length and metric, counters, the report of the initialisation
/// and warm-up (its length, checks and verdict, which a resumed run reports unchanged), the running sum of the
/// sampling acceptance, and, with a target ESS, every draw kept so far (the stopping rule needs them).
/// </summary>
internal sealed record CheesState(double StepSize, double TrajectoryLength, TimeSpan WarmupTime, TimeSpan SamplingTime,
    EnsembleRunReport Report, double SamplingHarmonicSum, (double[][] Draws, double[][] LogDensity)? KeptDraws)
{
    private static readonly JsonSerializerOptions Json = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static SamplerCheckpoint Save(IChainEnsemble e, HmcSlots hmc, double[] lp, int warmup, int samplingDone, int kept, CheesState state,
        double[] inverseMetric, int[] divergences, int[] warmupDivergences, long[] warmupEvaluations, long[] evaluationOffset)
    {
        using var w = new CheckpointWriter();
        w.WriteSlot(e, hmc.Position);
        w.WriteSlot(e, hmc.Gradient);
        w.Write(lp);
        w.Write(state.StepSize);
        w.Write(state.TrajectoryLength);
        w.Write(inverseMetric);
        w.Write(divergences);
        w.Write(warmupDivergences);
        w.Write(warmupEvaluations);
        var evaluations = new long[e.Chains];
        for (int c = 0; c < e.Chains; c++) evaluations[c] = evaluationOffset[c] + e.GradientEvaluations(c);
        w.Write(evaluations);
        w.Write(state.WarmupTime.Ticks);
        w.Write(state.SamplingTime.Ticks);
        w.Write(JsonSerializer.Serialize(state.Report, Json));
        w.Write(state.SamplingHarmonicSum);
        w.Write(state.KeptDraws is not null);
        if (state.KeptDraws is { } k)
            for (int c = 0; c < e.Chains; c++) { w.Write(k.Draws[c]); w.Write(k.LogDensity[c]); }
        return new SamplerCheckpoint("chees", 0, e.Chains, e.Dimension, warmup, samplingDone, kept, w.ToArray());
    }

    /// <summary>Writes the checkpoint back into the ensemble and the arrays; returns the rest.</summary>
    public static CheesState Restore(SamplerCheckpoint checkpoint, IChainEnsemble e, HmcSlots hmc, double[] lp, double[] inverseMetric,
        int[] divergences, int[] warmupDivergences, long[] warmupEvaluations, long[] evaluationOffset)
    {
        using var r = new CheckpointReader(checkpoint.State);
        r.ReadSlot(e, hmc.Position);
        r.ReadSlot(e, hmc.Gradient);
        r.ReadDoubles(lp);
        double stepSize = r.ReadDouble(), trajectoryLength = r.ReadDouble();
        r.ReadDoubles(inverseMetric);
        for (int c = 0; c < e.Chains; c++) e.SetInverseMetric(c, inverseMetric);
        r.ReadInt32s().CopyTo(divergences, 0);
        r.ReadInt32s().CopyTo(warmupDivergences, 0);
        r.ReadInt64s().CopyTo(warmupEvaluations, 0);
        r.ReadInt64s().CopyTo(evaluationOffset, 0);
        var warmupTime = TimeSpan.FromTicks(r.ReadInt64());
        var samplingTime = TimeSpan.FromTicks(r.ReadInt64());
        var report = JsonSerializer.Deserialize<EnsembleRunReport>(r.ReadString(), Json)
            ?? throw new InvalidDataException("the checkpoint holds no ChEES run report");
        double harmonicSum = r.ReadDouble();
        (double[][], double[][])? kept = null;
        if (r.ReadBoolean())
        {
            var draws = new double[e.Chains][];
            var logDensity = new double[e.Chains][];
            for (int c = 0; c < e.Chains; c++) { draws[c] = r.ReadDoubles(); logDensity[c] = r.ReadDoubles(); }
            kept = (draws, logDensity);
        }
        r.EnsureEnd();
        return new CheesState(stepSize, trajectoryLength, warmupTime, samplingTime, report, harmonicSum, kept);
    }
}
