
namespace GpuHbm.Models.Kinship;

/// <summary>A genetic relationship matrix with how many SNPs went into it.</summary>
/// <param name="Matrix">The GRM over the IIDs of the .fam, in .fam order.</param>
/// <param name="SnpsUsed">Polymorphic SNPs with at least one observed genotype.</param>
/// <param name="SnpsExcluded">Monomorphic (or entirely missing) SNPs left out.</param>
/// <param name="GramDevice">Where the Gram product ran: "CPU (managed)" or the device's description.</param>
public sealed record GrmComputation(RelationshipMatrix Matrix, int SnpsUsed, int SnpsExcluded, string GramDevice = "CPU (managed)");

/// <summary>
/// The genetic relationship matrix (GRM) of GCTA (Yang et al. 2011, "GCTA: a tool for genome-wide
/// complex trait analysis", AJHG 88:76, eq. 3), from SNP genotypes x_ij ∈ {0,1,2} (A1 counts):
/// A_jk = (1/M) Σ_i (x_ij − 2p_i)(x_ik − 2p_i) / (2p_i(1−p_i)) for j ≠ k, and
/// A_jj = 1 + (1/M) Σ_i (x_ij² − (1+2p_i)x_ij + 2p_i²) / (2p_i(1−p_i)),
/// with p_i the A1 frequency among the observed genotypes at SNP i.
/// </summary>
/// <remarks>
/// Missing genotypes are skipped per pair, as GCTA does: the sum for (j, k) runs over the SNPs
/// observed in both j and k and M is replaced by their number M_jk (the count GCTA stores in
/// .grm.N.bin); the diagonal uses the SNPs observed in j. Monomorphic SNPs (p = 0 or 1) and
/// SNPs with no observed genotype are excluded. Implementation: standardized genotypes
/// w_ij = (x_ij − 2p_i)/√(2p_i(1−p_i)) (0 when missing) are built in SNP blocks and the off-diagonal
/// sums come from the blocked product <see cref="GenotypeGram.AccumulateLower"/>; when genotypes
/// are missing, M_jk comes from the same product over the observed-indicator matrix. Given an
/// <see cref="IGramDevice"/>, both products run on it (Compute.DeviceGram, the GramKernels) with the
/// same blocks; everything else (frequencies, the diagonal, the divisions, the checks) stays on the host.
/// <para>
/// PSD: the off-diagonal part is the Gram matrix W Wᵀ/M, which is PSD, but eq. 3's diagonal
/// differs from the Gram diagonal by d_j (zero in expectation, O(1/√M)), so a GCTA GRM is
/// usually slightly indefinite (with sample frequencies, W Wᵀ has a zero eigenvalue along the
/// ones vector that the d_j push below zero). By Weyl's inequality every eigenvalue is ≥ −max_j|d_j|,
/// so by default the PSD check allows exactly that: tolerance max(1e-6, max_j|d_j| / max_j A_jj).
/// (With missing genotypes the per-pair division by M_jk is no longer a Gram matrix and the bound
/// is approximate.)
/// Downstream, <see cref="KinshipEigenSystem"/> sets negative eigenvalues to 0 and
/// <see cref="KinshipCholesky"/> adds a diagonal jitter.
/// </para>
/// </remarks>
public static class GeneticRelationshipMatrix
{
    /// <summary>Computes the GRM of <paramref name="genotypes"/> over the IIDs of its .fam.</summary>
    /// <param name="genotypes">Genotypes, e.g. from <see cref="PlinkBedReader.Read"/>.</param>
    /// <param name="maxDegreeOfParallelism">Threads for the Gram product; -1 = all cores.</param>
    /// <param name="psdTolerance">Relative PSD tolerance passed to <see cref="RelationshipMatrix"/>; negative
    /// skips the check. By default (null) it is the bound the GCTA diagonal allows, see the remarks.</param>
    /// <param name="gramDevice">When given (a device accelerator), the Gram products run on it; null = managed CPU.</param>
    public static GrmComputation Compute(PlinkGenotypes genotypes, double? psdTolerance = null, int maxDegreeOfParallelism = -1,
        IGramDevice? gramDevice = null) =>
        Compute(genotypes, psdTolerance, maxDegreeOfParallelism, snpBlock: 0, gramDevice);

    /// <summary>As the public overload, with the SNP block size (0 = about 32 MB of W per block) settable for tests.</summary>
    internal static GrmComputation Compute(PlinkGenotypes genotypes, double? psdTolerance, int maxDegreeOfParallelism, int snpBlock,
        IGramDevice? gramDevice = null)
    {
        ArgumentNullException.ThrowIfNull(genotypes);
        int n = genotypes.IndividualCount, m = genotypes.SnpCount;
        int block = snpBlock > 0 ? snpBlock : Math.Clamp((1 << 22) / Math.Max(n, 1) / 8 * 8, 64, 4096);
        var w = new double[(long)n * block];
        double[]? observed = null;
        var cross = new double[(long)n * n];
        double[]? pairCounts = null;
        var diagSum = new double[n];
        var diagCount = new int[n];
        var x = new sbyte[n];
        int used = 0, excluded = 0, filled = 0;
        using var deviceCross = gramDevice is null || n == 0 ? null : gramDevice.Open(n, block);
        IGramAccumulator? deviceCounts = null;

        void Flush()
        {
            if (filled == 0) return;
            Compact(w, n, block, filled);
            if (deviceCross is not null) deviceCross.Accumulate(w, filled);
            else GenotypeGram.AccumulateLower(w, n, filled, cross, maxDegreeOfParallelism);
            if (observed is not null)
            {
                Compact(observed, n, block, filled);
                if (deviceCross is not null) (deviceCounts ??= gramDevice!.Open(n, block)).Accumulate(observed, filled);
                else GenotypeGram.AccumulateLower(observed, n, filled, pairCounts!, maxDegreeOfParallelism);
                Array.Clear(observed);
            }
            Array.Clear(w);
            filled = 0;
        }

        try
        {
            for (int s = 0; s < m; s++)
            {
                genotypes.GetDosages(s, x);
                int nObs = 0, sum = 0;
                for (int i = 0; i < n; i++) if (x[i] >= 0) { nObs++; sum += x[i]; }
                double p = nObs == 0 ? 0 : sum / (2.0 * nObs);
                if (nObs == 0 || sum == 0 || sum == 2 * nObs) { excluded++; continue; }
                used++;
                if (nObs < n && observed is null)
                {
                    // First missing genotype: from here on count SNPs per pair; earlier blocks had all observed.
                    observed = new double[(long)n * block];
                    pairCounts = new double[(long)n * n];
                    for (int j = 0; j < n; j++) for (int k = 0; k <= j; k++) pairCounts[(long)j * n + k] = used - 1 - filled;
                    for (int j = 0; j < n; j++) for (int t = 0; t < filled; t++) observed[(long)j * block + t] = 1;
                }
                double var2 = 2 * p * (1 - p), scale = 1 / Math.Sqrt(var2);
                for (int i = 0; i < n; i++)
                {
                    int xi = x[i];
                    if (xi < 0) continue;
                    w[(long)i * block + filled] = (xi - 2 * p) * scale;
                    if (observed is not null) observed[(long)i * block + filled] = 1;
                    diagSum[i] += (xi * xi - (1 + 2 * p) * xi + 2 * p * p) / var2;
                    diagCount[i]++;
                }
                if (++filled == block) Flush();
            }
            Flush();
            // The device sums were formed block by block as on the CPU; add them to the host arrays once.
            deviceCross?.AddLowerTo(cross);
            deviceCounts?.AddLowerTo(pairCounts!);
        }
        finally
        {
            deviceCounts?.Dispose();
        }
        if (used == 0)
            throw new GpuHbmDataException($"no SNP in {genotypes.Source} is polymorphic, so no genetic relationship matrix can be computed");

        var ids = genotypes.IndividualIds;
        double maxDiagShift = 0, maxDiag = 0;
        for (int j = 0; j < n; j++)
        {
            if (diagCount[j] == 0)
                throw new GpuHbmDataException($"individual '{ids[j]}' has no observed genotype at the {used} polymorphic SNPs of {genotypes.Source}");
            for (int k = 0; k < j; k++)
            {
                double count = pairCounts is null ? used : pairCounts[(long)j * n + k];
                if (count == 0)
                    throw new GpuHbmDataException($"individuals '{ids[j]}' and '{ids[k]}' have no SNP of {genotypes.Source} observed in both");
                cross[(long)j * n + k] /= count;
            }
            double gramDiag = cross[(long)j * n + j] / (pairCounts is null ? used : pairCounts[(long)j * n + j]);
            cross[(long)j * n + j] = 1 + diagSum[j] / diagCount[j];
            maxDiagShift = Math.Max(maxDiagShift, Math.Abs(cross[(long)j * n + j] - gramDiag));
            maxDiag = Math.Max(maxDiag, Math.Abs(cross[(long)j * n + j]));
        }
        GenotypeGram.MirrorLower(cross, n);
        // Weyl: λmin(A) ≥ λmin(W Wᵀ/M) − max_j |d_j| ≥ −max_j |d_j|, and max|λ| ≥ max diagonal.
        double tolerance = psdTolerance ?? Math.Max(RelationshipMatrix.DefaultPsdTolerance, maxDiagShift / maxDiag);
        var matrix = new RelationshipMatrix(ids, cross, $"the genotypes in {genotypes.Source}", psdTolerance: tolerance);
        return new GrmComputation(matrix, used, excluded, gramDevice is null ? "CPU (managed)" : gramDevice.Description);
    }

    /// <summary>Moves an N×block buffer with only <paramref name="filled"/> columns used into N×filled row-major, in place.</summary>
    private static void Compact(double[] buffer, int n, int block, int filled)
    {
        if (filled == block) return;
        for (int j = 1; j < n; j++)
            Array.Copy(buffer, (long)j * block, buffer, (long)j * filled, filled);
    }
}
