using GpuHbm.Models.Kinship;
using Xunit;

namespace GpuHbm.Tests.Models.Kinship;

public class GenotypeSimulatorTests
{
    private static readonly GenotypeSimulationSettings Settings = new(Families: 20, ChildrenPerFamily: 2, Unrelated: 20, Snps: 3000, Seed: 99);

    [Fact]
    public void Same_seed_gives_same_genotypes_and_files_round_trip()
    {
        var a = GenotypeSimulator.Simulate(Settings);
        string prefix = KinshipTestData.TempPrefix("sim");
        GenotypeSimulator.SimulateToFiles(Settings, prefix);
        var b = PlinkBedReader.Read(prefix);
        Assert.Equal(a.ToDosages(), b.ToDosages());
        Assert.Equal(100, b.IndividualCount);
        Assert.Equal(new PlinkSample("F3", "F3C2", "F3P1", "F3P2"), b.Samples[2 * 4 + 3]);
        Assert.Equal("U20", b.IndividualIds[^1]);
        Assert.NotEqual(a.ToDosages(), GenotypeSimulator.Simulate(Settings with { Seed = 100 }).ToDosages());
    }

    [Fact]
    public void Children_are_Mendelian_and_frequencies_lie_in_range()
    {
        var g = GenotypeSimulator.Simulate(Settings);
        int n = g.IndividualCount;
        var x = g.ToDosages();
        var index = g.IndividualIds.Select((id, i) => (id, i)).ToDictionary(t => t.id, t => t.i);
        for (int s = 0; s < g.SnpCount; s++)
        {
            for (int i = 0; i < n; i++)
            {
                var sample = g.Samples[i];
                if (sample.FatherId == "0") continue;
                int c = x[s * n + i], f = x[s * n + index[sample.FatherId]], m = x[s * n + index[sample.MotherId]];
                // Each parent passes 1 A1 copy with probability dosage/2: 0 only if dosage < 2, 1 only if dosage > 0.
                bool possible = Enumerable.Range(0, 2).Any(a => Enumerable.Range(0, 2).Any(b =>
                    a + b == c && (a == 1 ? f > 0 : f < 2) && (b == 1 ? m > 0 : m < 2)));
                Assert.True(possible, $"SNP {s}, child {sample.IndividualId}: {c} from parents {f}, {m}");
            }
        }
        // Founder A1 frequency averages (0.05 + 0.5)/2 = 0.275.
        double mean = Enumerable.Range(0, n).Where(i => g.Samples[i].FatherId == "0")
            .SelectMany(i => Enumerable.Range(0, g.SnpCount).Select(s => x[s * n + i] / 2.0)).Average();
        Assert.InRange(mean, 0.26, 0.29);
    }

    [Fact]
    public void Grm_shows_the_pedigree_relationships()
    {
        var k = GeneticRelationshipMatrix.Compute(GenotypeSimulator.Simulate(Settings)).Matrix;
        double Mean(Func<string, string, bool> pair)
        {
            var v = new List<double>();
            for (int i = 0; i < k.Count; i++)
                for (int j = 0; j < i; j++)
                    if (pair(k.Ids[i], k.Ids[j])) v.Add(k[i, j]);
            return v.Average();
        }
        static string Fam(string id) => id[..id.IndexOfAny(['P', 'C'], 1)];
        double sibs = Mean((a, b) => a[0] == 'F' && b[0] == 'F' && Fam(a) == Fam(b) && a.Contains('C') && b.Contains('C'));
        double parentChild = Mean((a, b) => a[0] == 'F' && b[0] == 'F' && Fam(a) == Fam(b) && a.Contains('C') != b.Contains('C'));
        double unrelated = Mean((a, b) => a[0] == 'U' || b[0] == 'U');
        // Expected kinship-based relatedness: full sibs and parent–offspring 0.5, unrelated 0
        // (the GRM's sample-frequency centring pulls all pairs down by about 1/N).
        Assert.InRange(sibs, 0.4, 0.6);
        Assert.InRange(parentChild, 0.45, 0.55);
        Assert.InRange(unrelated, -0.03, 0.01);
    }

    [Fact]
    public void Trait_is_deterministic_and_sums_its_parts()
    {
        var k = KinshipTestData.RandomKinship(30, 40, 61);
        var x = KinshipTestData.Design(30, 62);
        var t1 = TraitSimulator.Simulate(k, x, 2, [1, 2], 0.7, 1.3, 5);
        var t2 = TraitSimulator.Simulate(k, x, 2, [1, 2], 0.7, 1.3, 5);
        Assert.Equal(t1.Y, t2.Y);
        for (int i = 0; i < 30; i++) Assert.Equal(1 + 2 * x[2 * i + 1] + t1.G[i] + t1.E[i], t1.Y[i], 12);
        Assert.NotEqual(t1.Y, TraitSimulator.Simulate(k, x, 2, [1, 2], 0.7, 1.3, 6).Y);
    }
}
