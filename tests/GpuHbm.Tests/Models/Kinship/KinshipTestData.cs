using GpuHbm.Models.Kinship;

namespace GpuHbm.Tests.Models.Kinship;

/// <summary>Test inputs made with System.Random (a generator the code under test does not use).</summary>
internal static class KinshipTestData
{
    public static string[] Ids(int n, string prefix = "i") => Enumerable.Range(1, n).Select(i => prefix + i).ToArray();

    /// <summary>Standard normals by Box–Muller from System.Random.</summary>
    public static double[] Normals(Random rng, int count)
    {
        var z = new double[count];
        for (int i = 0; i < count; i++)
            z[i] = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        return z;
    }

    /// <summary>A GRM-like PSD matrix: A Aᵀ / m with A N×m standard normal, so the diagonal is ≈ 1.</summary>
    public static RelationshipMatrix RandomKinship(int n, int m, int seed)
    {
        var rng = new Random(seed);
        var a = Normals(rng, n * m);
        var k = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++)
            {
                double s = 0;
                for (int t = 0; t < m; t++) s += a[i * m + t] * a[j * m + t];
                k[i * n + j] = k[j * n + i] = s / m;
            }
        return new RelationshipMatrix(Ids(n), k, "random test matrix");
    }

    /// <summary>Design with an intercept and one standard-normal covariate, N×2 row-major.</summary>
    public static double[] Design(int n, int seed)
    {
        var z = Normals(new Random(seed), n);
        var x = new double[n * 2];
        for (int i = 0; i < n; i++) { x[2 * i] = 1; x[2 * i + 1] = z[i]; }
        return x;
    }

    public static string TempPrefix(string name)
    {
        string dir = Path.Combine(Path.GetTempPath(), "gpuhbm-kinship-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, name);
    }
}
