using GpuHbm.Compute;
using GpuHbm.Models.Kinship;
using GpuHbm.Tests.Models.Kinship;
using Xunit;

namespace GpuHbm.Tests.Compute;

/// <summary>
/// The GRM Gram product (GramKernels) against the CPU: the raw product against GenotypeGram.AccumulateLower, and
/// the whole GRM (standardization, missing genotypes with per-pair counts, several SNP blocks) against the CPU
/// GeneticRelationshipMatrix, to 1e-12 relative, at sizes that are not multiples of the tile.
/// </summary>
public abstract partial class AcceleratorSuite
{
    private static PlinkGenotypes Make(sbyte[] x, int n, int m) => PlinkGenotypes.FromDosages(
        Enumerable.Range(0, n).Select(i => new PlinkSample("f", "i" + i)).ToArray(),
        Enumerable.Range(0, m).Select(s => new PlinkSnp("1", "s" + s, 0, s, "A", "B")).ToArray(), x);

    /// <summary>SNP-major dosages (SNP s, individual i at [s*n + i]); -1 = missing with probability <paramref name="missing"/>.</summary>
    private static sbyte[] RandomDosages(int n, int m, int seed, double missing, int missingFromSnp = 0)
    {
        var rng = new Random(seed);
        var x = new sbyte[n * m];
        for (int s = 0; s < m; s++)
        {
            double p = 0.05 + 0.9 * rng.NextDouble();
            for (int i = 0; i < n; i++)
                x[s * n + i] = s >= missingFromSnp && rng.NextDouble() < missing ? (sbyte)-1
                    : (sbyte)((rng.NextDouble() < p ? 1 : 0) + (rng.NextDouble() < p ? 1 : 0));
        }
        return x;
    }

    private static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, int n, double relative, string what)
    {
        double scale = 0;
        for (int i = 0; i < expected.Length; i++) scale = Math.Max(scale, Math.Abs(expected[i]));
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = Math.Abs(expected[i] - actual[i]);
            if (d > worst) { worst = d; at = i; }
        }
        Assert.True(worst <= relative * scale,
            $"{what}: max |Δ| = {worst:G3} at ({at / n}, {at % n}) ({expected[Math.Max(at, 0)]:R} vs {actual[Math.Max(at, 0)]:R}), scale {scale:G3}");
    }

    protected void Gram_product_equals_GenotypeGram()
    {
        foreach (var (n, m, seed) in new[] { (1, 1, 1), (5, 3, 2), (64, 16, 3), (70, 37, 4), (131, 200, 5), (200, 513, 6) })
        {
            var rng = new Random(seed);
            var w = KinshipTestData.Normals(rng, n * m);
            for (int i = 0; i < w.Length; i++) if (rng.NextDouble() < 0.1) w[i] = 0; // missing genotypes are zeros in W
            var cpu = new double[n * n];
            var device = new double[n * n];
            // A nonzero start and an upper triangle that must stay untouched.
            for (int i = 0; i < n * n; i++) cpu[i] = device[i] = 0.25 * (i % 7);
            GenotypeGram.AccumulateLower(w, n, m, cpu);
            DeviceGram.AccumulateLower(Accelerator, w, n, m, device);
            AssertClose(cpu, device, n, 1e-12, $"N = {n}, M = {m}");
            for (int j = 0; j < n; j++)
                for (int k = j + 1; k < n; k++) Assert.Equal(0.25 * ((j * n + k) % 7), device[j * n + k]);
        }
    }

    protected void Accumulation_over_blocks_is_deterministic()
    {
        int n = 97, m = 150;
        var w = KinshipTestData.Normals(new Random(8), n * m);
        double[] Run()
        {
            var c = new double[n * n];
            using var gram = new DeviceGram(Accelerator, n, 64);
            for (int s0 = 0; s0 < m; s0 += 64)
            {
                int cols = Math.Min(64, m - s0);
                var block = new double[n * cols];
                for (int j = 0; j < n; j++) Array.Copy(w, j * m + s0, block, j * cols, cols);
                gram.Accumulate(block, cols);
            }
            gram.AddLowerTo(c);
            return c;
        }
        var first = Run();
        var second = Run();
        Assert.Equal(first, second);
        var cpu = new double[n * n];
        GenotypeGram.AccumulateLower(w, n, m, cpu);
        AssertClose(cpu, first, n, 1e-12, "blocked accumulation");
    }

    protected void Grm_equals_the_CPU_grm(int n, int m, double missing, int snpBlock, int missingFromSnp)
    {
        var genotypes = Make(RandomDosages(n, m, 500 + n + m, missing, missingFromSnp), n, m);
        double? tolerance = missing > 0 ? -1 : null;
        var cpu = GeneticRelationshipMatrix.Compute(genotypes, tolerance, -1, snpBlock);
        var device = GeneticRelationshipMatrix.Compute(genotypes, tolerance, -1, snpBlock, Accelerator);
        Assert.Equal(cpu.SnpsUsed, device.SnpsUsed);
        Assert.Equal(cpu.SnpsExcluded, device.SnpsExcluded);
        Assert.Equal("CPU (managed)", cpu.GramDevice);
        Assert.Equal(Accelerator.Device.Describe(), device.GramDevice);
        AssertClose(cpu.Matrix.Values, device.Matrix.Values, n, 1e-12, $"GRM N = {n}, M = {m}, missing {missing}, block {snpBlock}");
    }

    protected void Plink_relmat_reads_through_the_device()
    {
        var genotypes = GenotypeSimulator.Simulate(new GenotypeSimulationSettings(4, 3, 13, 150, 3));
        string prefix = KinshipTestData.TempPrefix("dev");
        PlinkBedWriter.Write(prefix, genotypes);
        Assert.True(RelationshipMatrixReader.IsGenotypes(prefix));
        Assert.True(RelationshipMatrixReader.IsGenotypes(prefix + ".bed"));
        Assert.False(RelationshipMatrixReader.IsGenotypes("k.csv"));
        var cpu = RelationshipMatrixReader.Read(prefix);
        var device = RelationshipMatrixReader.Read(prefix, gramDevice: Accelerator);
        AssertClose(cpu.Values, device.Values, cpu.Count, 1e-12, "PLINK GRM through RelationshipMatrixReader");
    }

    /// <summary>
    /// The Gram product at the GPU's launch shape (16 × 16 groups, 64 × 64 tiles, on the wide CPU accelerator) gives the
    /// same bits as this accelerator's shape: every entry is summed over SNPs in increasing order whatever the tile.
    /// </summary>
    protected void Gram_product_bits_do_not_depend_on_the_group_size()
    {
        int n = 150, m = 70;
        var w = KinshipTestData.Normals(new Random(21), n * m);
        var small = new double[n * n];
        var wide = new double[n * n];
        using (var gram = new DeviceGram(Accelerator, n, m))
        {
            gram.Accumulate(w, m);
            gram.AddLowerTo(small);
            Output.WriteLine($"{Accelerator.Device.Describe()}: tile {gram.Tile}");
        }
        using (var gram = new DeviceGram(DeviceFixtures.WideCpuAccelerator, n, m))
        {
            Assert.Equal(64, gram.Tile);
            gram.Accumulate(w, m);
            gram.AddLowerTo(wide);
        }
        if (SameArithmetic) Assert.Equal(small, wide);
        else AssertClose(wide, small, n, 1e-12, "Gram product against the GPU shape on the CPU accelerator");
    }
}
