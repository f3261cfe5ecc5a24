using System.Globalization;
using GpuHbm.Data;
using GpuHbm.Models.Kinship;

namespace GpuHbm.Tests.Models.Kinship;

/// <summary>Data tables for the kinship model tests.</summary>
internal static class KinshipModelData
{
    private static string S(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A table with columns id, x, y (and any extra columns given), one row per entry.</summary>
    public static DataTable Table(IReadOnlyList<string> ids, IReadOnlyList<double> x, IReadOnlyList<double> y,
        params (string Name, string[] Values)[] extra)
    {
        var cols = new List<DataColumn>
        {
            new("id", ids.ToArray()),
            new("x", x.Select(S).ToArray()),
            new("y", y.Select(S).ToArray()),
        };
        cols.AddRange(extra.Select(e => new DataColumn(e.Name, e.Values)));
        return new DataTable(cols, "kinship test data");
    }

    /// <summary>
    /// Simulated families + unrelated individuals: genotypes (GenotypeSimulator), the GCTA GRM from them,
    /// x ~ N(0,1) from System.Random, y = β0 + β1 x + g + e (TraitSimulator). Rows are shuffled so the
    /// data order differs from K's.
    /// </summary>
    public static (RelationshipMatrix K, DataTable Data, SimulatedTrait Trait) Simulate(int families, int children, int unrelated,
        int snps, double beta0, double beta1, double sigmaG, double sigmaE, ulong seed)
    {
        var genotypes = GenotypeSimulator.Simulate(new GenotypeSimulationSettings(families, children, unrelated, snps, seed));
        var k = GeneticRelationshipMatrix.Compute(genotypes).Matrix;
        int n = k.Count;
        var rng = new Random((int)seed + 1000);
        var xv = KinshipTestData.Normals(rng, n);
        var design = new double[2 * n];
        for (int i = 0; i < n; i++) { design[2 * i] = 1; design[2 * i + 1] = xv[i]; }
        var trait = TraitSimulator.Simulate(k, design, 2, [beta0, beta1], sigmaG, sigmaE, seed + 7);
        var order = Enumerable.Range(0, n).OrderBy(_ => rng.Next()).ToArray();
        var data = Table(order.Select(i => k.Ids[i]).ToArray(), order.Select(i => xv[i]).ToArray(), order.Select(i => trait.Y[i]).ToArray());
        return (k, data, trait);
    }
}
