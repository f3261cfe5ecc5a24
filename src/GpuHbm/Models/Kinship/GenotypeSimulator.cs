using System.Globalization;
using GpuHbm.Kernels;

namespace GpuHbm.Models.Kinship;

/// <summary>What <see cref="GenotypeSimulator"/> simulates.</summary>
/// <param name="Families">Nuclear families: two unrelated founder parents and their children.</param>
/// <param name="ChildrenPerFamily">Children per family.</param>
/// <param name="Unrelated">Unrelated founders outside any family.</param>
/// <param name="Snps">Number of SNPs M.</param>
/// <param name="Seed">Philox key: the same settings give the same genotypes.</param>
/// <param name="MinFrequency">Lower end of the founders' A1 frequency, p ~ U(MinFrequency, MaxFrequency).</param>
/// <param name="MaxFrequency">Upper end of the A1 frequency.</param>
public sealed record GenotypeSimulationSettings(int Families, int ChildrenPerFamily, int Unrelated, int Snps, ulong Seed,
    double MinFrequency = 0.05, double MaxFrequency = 0.5)
{
    /// <summary>Individuals N = Families·(2 + ChildrenPerFamily) + Unrelated.</summary>
    public int Individuals => Families * (2 + ChildrenPerFamily) + Unrelated;
}

/// <summary>
/// Simulates SNP genotypes for families and unrelated individuals, for tests and examples of the
/// kinship models. Founders (parents and unrelated individuals) carry two independent haplotypes,
/// each with the A1 allele at SNP i with probability p_i ~ U(0.05, 0.5) (Hardy–Weinberg, linkage
/// equilibrium); each child receives one of its father's two alleles and one of its mother's,
/// each with probability ½, independently per SNP (Mendelian transmission without linkage).
/// Deterministic from the seed: randomness comes from <see cref="Philox"/> with purpose
/// <see cref="RandomPurpose.Simulation"/>, the counter's chain word naming the stream
/// (0 frequencies, 1 founder alleles, 2 transmission), its iteration word the SNP and its index word
/// the individual, so results do not depend on threading.
/// </summary>
/// <remarks>
/// Ids: family f (1-based) has FID "F{f}", parents "F{f}P1" (father, sex 1) and "F{f}P2" (mother,
/// sex 2) and children "F{f}C{c}"; unrelated individual u has FID = IID = "U{u}". SNP s is
/// "snp{s}" on chromosome 1 at position s, alleles A1 = "A", A2 = "G".
/// </remarks>
public static class GenotypeSimulator
{
    private const uint FrequencyStream = 0, FounderStream = 1, TransmissionStream = 2;

    public static PlinkGenotypes Simulate(GenotypeSimulationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Families < 0 || settings.ChildrenPerFamily < 0 || settings.Unrelated < 0 || settings.Snps <= 0 || settings.Individuals == 0)
            throw new GpuHbmModelException("a genotype simulation needs at least one individual and one SNP, and no negative counts");
        if (!(settings.MinFrequency > 0 && settings.MinFrequency <= settings.MaxFrequency && settings.MaxFrequency < 1))
            throw new GpuHbmModelException($"allele frequencies must satisfy 0 < min ≤ max < 1, not [{settings.MinFrequency}, {settings.MaxFrequency}]");

        var samples = BuildSamples(settings, out var father, out var mother);
        int n = samples.Count, m = settings.Snps;
        var dosages = new sbyte[(long)n * m];
        Parallel.For(0, m, s => SimulateSnp(settings, s, father, mother, dosages.AsSpan(s * n, n)));
        var snps = Enumerable.Range(0, m)
            .Select(s => new PlinkSnp("1", "snp" + (s + 1).ToString(CultureInfo.InvariantCulture), 0, s + 1, "A", "G"))
            .ToArray();
        return PlinkGenotypes.FromDosages(samples, snps, dosages, $"simulated genotypes (seed {settings.Seed})");
    }

    /// <summary>Simulates and writes PREFIX.bed/.bim/.fam.</summary>
    public static PlinkGenotypes SimulateToFiles(GenotypeSimulationSettings settings, string prefix)
    {
        var g = Simulate(settings);
        PlinkBedWriter.Write(prefix, g);
        return g;
    }

    private static List<PlinkSample> BuildSamples(GenotypeSimulationSettings st, out int[] father, out int[] mother)
    {
        var inv = CultureInfo.InvariantCulture;
        var samples = new List<PlinkSample>(st.Individuals);
        var fa = new List<int>();
        var mo = new List<int>();
        for (int f = 1; f <= st.Families; f++)
        {
            string fid = "F" + f.ToString(inv);
            int p1 = samples.Count;
            samples.Add(new PlinkSample(fid, fid + "P1", Sex: 1)); fa.Add(-1); mo.Add(-1);
            samples.Add(new PlinkSample(fid, fid + "P2", Sex: 2)); fa.Add(-1); mo.Add(-1);
            for (int c = 1; c <= st.ChildrenPerFamily; c++)
            {
                samples.Add(new PlinkSample(fid, fid + "C" + c.ToString(inv), fid + "P1", fid + "P2"));
                fa.Add(p1); mo.Add(p1 + 1);
            }
        }
        for (int u = 1; u <= st.Unrelated; u++)
        {
            string id = "U" + u.ToString(inv);
            samples.Add(new PlinkSample(id, id)); fa.Add(-1); mo.Add(-1);
        }
        father = fa.ToArray();
        mother = mo.ToArray();
        return samples;
    }

    private static void SimulateSnp(GenotypeSimulationSettings st, int snp, int[] father, int[] mother, Span<sbyte> dosage)
    {
        ulong seed = st.Seed;
        uint it = (uint)snp;
        double p = st.MinFrequency + (st.MaxFrequency - st.MinFrequency) * Philox.Uniform(seed, FrequencyStream, it, RandomPurpose.Simulation);
        int n = dosage.Length;
        // Two haplotype alleles per individual (1 = A1); parents precede their children.
        Span<byte> h1 = n <= 4096 ? stackalloc byte[n] : new byte[n];
        Span<byte> h2 = n <= 4096 ? stackalloc byte[n] : new byte[n];
        for (int i = 0; i < n; i++)
        {
            if (father[i] < 0)
            {
                var (u0, u1) = Philox.Uniforms(seed, FounderStream, it, RandomPurpose.Simulation, (uint)i);
                h1[i] = u0 < p ? (byte)1 : (byte)0;
                h2[i] = u1 < p ? (byte)1 : (byte)0;
            }
            else
            {
                var (u0, u1) = Philox.Uniforms(seed, TransmissionStream, it, RandomPurpose.Simulation, (uint)i);
                int f = father[i], m = mother[i];
                h1[i] = u0 < 0.5 ? h1[f] : h2[f];
                h2[i] = u1 < 0.5 ? h1[m] : h2[m];
            }
            dosage[i] = (sbyte)(h1[i] + h2[i]);
        }
    }
}
