namespace GpuHbm.Diagnostics;

/// <summary>
/// Helpers on a draws matrix of one scalar variable, stored as <c>double[chain][iteration]</c>
/// (the transpose of the iterations × chains matrix the posterior R package works on).
/// </summary>
internal static class DrawsMatrix
{
    /// <summary>Checks that there is at least one chain and that all chains have the same, positive length.</summary>
    public static void Validate(double[][] chains, string argumentName = "chains")
    {
        ArgumentNullException.ThrowIfNull(chains, argumentName);
        if (chains.Length == 0) throw new ArgumentException("At least one chain is required.", argumentName);
        int n = chains[0]?.Length ?? throw new ArgumentException("Chain 0 is null.", argumentName);
        if (n == 0) throw new ArgumentException("Chains must have at least one iteration.", argumentName);
        for (int c = 1; c < chains.Length; c++)
        {
            if (chains[c] is null) throw new ArgumentException($"Chain {c} is null.", argumentName);
            if (chains[c].Length != n)
                throw new ArgumentException($"Chain {c} has {chains[c].Length} iterations but chain 0 has {n}; all chains must have the same length.", argumentName);
        }
    }

    /// <summary>All draws in one array, chain after chain (R's column-major <c>c(x)</c>).</summary>
    public static double[] Flatten(double[][] chains)
    {
        int n = chains[0].Length;
        var all = new double[chains.Length * n];
        for (int c = 0; c < chains.Length; c++) Array.Copy(chains[c], 0, all, c * n, n);
        return all;
    }

    /// <summary>Inverse of <see cref="Flatten"/>.</summary>
    public static double[][] Unflatten(double[] all, int chainCount)
    {
        int n = all.Length / chainCount;
        var chains = new double[chainCount][];
        for (int c = 0; c < chainCount; c++)
        {
            chains[c] = new double[n];
            Array.Copy(all, c * n, chains[c], 0, n);
        }
        return chains;
    }

    /// <summary>Applies <paramref name="f"/> to every draw.</summary>
    public static double[][] Map(double[][] chains, Func<double, double> f)
    {
        var result = new double[chains.Length][];
        for (int c = 0; c < chains.Length; c++)
        {
            var src = chains[c];
            var dst = result[c] = new double[src.Length];
            for (int i = 0; i < src.Length; i++) dst[i] = f(src[i]);
        }
        return result;
    }

    /// <summary>
    /// Splits every chain into its first and second half (posterior's <c>.split_chains</c>):
    /// with n iterations the halves are 1..floor(n/2) and ceiling(n/2 + 1)..n, so for odd n
    /// the middle iteration is dropped. A chain of one iteration is left as it is.
    /// </summary>
    public static double[][] SplitChains(double[][] chains)
    {
        int n = chains[0].Length;
        if (n == 1) return chains;
        int firstLength = n / 2;                 // floor(n / 2)
        int secondStart = (n + 1) / 2;           // ceiling(n / 2 + 1) - 1, 0-based
        int secondLength = n - secondStart;      // equals firstLength
        var split = new double[2 * chains.Length][];
        for (int c = 0; c < chains.Length; c++)
        {
            split[c] = chains[c][..firstLength];
            split[chains.Length + c] = chains[c][secondStart..(secondStart + secondLength)];
        }
        return split;
    }

    /// <summary>
    /// The shared start of the quantile diagnostics: validates the draws and p, then returns the pooled
    /// draws sorted, or null when posterior returns NA for them (<see cref="ShouldReturnNaN"/>).
    /// </summary>
    public static double[]? SortedForQuantile(double[][] chains, double p)
    {
        Validate(chains);
        if (p < 0 || p > 1 || double.IsNaN(p)) throw new ArgumentOutOfRangeException(nameof(p), p, "Probability must lie in [0, 1].");
        if (ShouldReturnNaN(chains)) return null;
        var sorted = Flatten(chains);
        Array.Sort(sorted);
        return sorted;
    }

    /// <summary>
    /// posterior's <c>should_return_NA</c> (1.1.0 and later): true when any draw is NaN or
    /// infinite, or when all draws are the same (max − min below machine epsilon). Per-chain
    /// constancy is deliberately not checked (posterior issue #198).
    /// </summary>
    public static bool ShouldReturnNaN(double[][] chains)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (var chain in chains)
        {
            foreach (double v in chain)
            {
                if (!double.IsFinite(v)) return true;
                if (v < min) min = v;
                if (v > max) max = v;
            }
        }
        return Math.Abs(max - min) < MachineEpsilon;
    }

    /// <summary>R's <c>.Machine$double.eps</c> (2^-52), not .NET's <see cref="double.Epsilon"/>.</summary>
    public const double MachineEpsilon = 2.220446049250313e-16;
}
