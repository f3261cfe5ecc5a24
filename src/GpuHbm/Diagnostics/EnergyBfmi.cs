namespace GpuHbm.Diagnostics;

/// <summary>
/// Energy Bayesian fraction of missing information (Betancourt 2016, "Diagnosing suboptimal
/// cotangent disintegrations in Hamiltonian Monte Carlo", arXiv:1604.00695, eq. 3):
/// E-BFMI = Σ_{n≥1} (E_n − E_{n−1})² / Σ_n (E_n − Ē)², per chain, from the Hamiltonian energy
/// at each post-warmup iteration. Values below about 0.3 indicate that the momentum
/// resampling explores the energy distribution poorly.
/// </summary>
public static class EnergyBfmi
{
    /// <summary>E-BFMI of one chain's energies; NaN for fewer than two values or constant energy.</summary>
    public static double Compute(ReadOnlySpan<double> energy)
    {
        if (energy.Length < 2) return double.NaN;
        double mean = SampleStatistics.Mean(energy);
        double numerator = 0, denominator = 0;
        for (int i = 0; i < energy.Length; i++)
        {
            double d = energy[i] - mean;
            denominator += d * d;
            if (i > 0)
            {
                double step = energy[i] - energy[i - 1];
                numerator += step * step;
            }
        }
        return denominator == 0 ? double.NaN : numerator / denominator;
    }

    /// <summary>
    /// E-BFMI of an ensemble of chains that share their adaptation (ChEES): the sums of eq. 3 pooled over chains,
    /// Σ_c Σ_n (E_cn − E_c,n−1)² / Σ_c Σ_n (E_cn − Ē_c)², each chain centred at its own mean. With many short chains the
    /// per-chain values are noisy (50 draws give a sampling sd of about 0.2), so some fall below 0.3 by chance while the
    /// pooled value reflects the shared momentum resampling. NaN when no chain has two values.
    /// </summary>
    public static double Pooled(double[][] energies)
    {
        ArgumentNullException.ThrowIfNull(energies);
        double numerator = 0, denominator = 0;
        foreach (var e in energies)
        {
            if (e.Length < 2) continue;
            double mean = SampleStatistics.Mean(e);
            for (int i = 0; i < e.Length; i++)
            {
                double d = e[i] - mean;
                denominator += d * d;
                if (i > 0) numerator += (e[i] - e[i - 1]) * (e[i] - e[i - 1]);
            }
        }
        return denominator == 0 ? double.NaN : numerator / denominator;
    }

    /// <summary>E-BFMI of every chain (<c>energies[chain][iteration]</c>).</summary>
    public static double[] PerChain(double[][] energies)
    {
        ArgumentNullException.ThrowIfNull(energies);
        var result = new double[energies.Length];
        for (int c = 0; c < energies.Length; c++) result[c] = Compute(energies[c]);
        return result;
    }
}
