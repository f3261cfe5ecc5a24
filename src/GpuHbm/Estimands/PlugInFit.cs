using GpuHbm.Models;

namespace GpuHbm.Estimands;

/// <summary>
/// The linear predictor of every data row at the posterior means of the parameters (one pass over
/// the rows): η̄_i = offset_i + X_i·b̄ + Σ_t Z_t[i,:]·r̄_t[g_t(i),:], with each term's part kept, so
/// that "everything but term t" is η̄ − Contribution[t]. Used for no-pooling estimates and GLM
/// working weights; posterior quantities themselves are computed draw by draw.
/// </summary>
internal sealed class PlugInFit
{
    public double[] Means { get; }
    public double[] Eta { get; }
    public double[][] Contribution { get; }

    private PlugInFit(double[] means, double[] eta, double[][] contribution) { Means = means; Eta = eta; Contribution = contribution; }

    public static PlugInFit At(CompiledModel model, PosteriorDraws draws, double[] means)
    {
        int n = model.ObservationCount, p = model.FixedColumnCount;
        var x = model.X.Span;
        var offset = model.Offset.Span;
        var b = model.FixedColumnNames.Select(c => means[draws.IndexOf("b_" + c)]).ToArray();
        var eta = new double[n];
        for (int i = 0; i < n; i++)
        {
            double e = offset.Length > 0 ? offset[i] : 0;
            for (int j = 0; j < p; j++) e += x[i * p + j] * b[j];
            eta[i] = e;
        }
        var contribution = new double[model.RandomTerms.Count][];
        for (int t = 0; t < contribution.Length; t++)
        {
            var term = model.RandomTerms[t];
            int k = term.K;
            var r = new double[term.LevelCount * k];
            for (int j = 0; j < term.LevelCount; j++)
                for (int a = 0; a < k; a++)
                    r[j * k + a] = means[draws.IndexOf($"r_{term.GroupName}[{term.LevelNames[j]},{term.ColumnNames[a]}]")];
            var g = term.GroupIndex.Span;
            var z = term.Z.Span;
            var c = new double[n];
            for (int i = 0; i < n; i++)
            {
                double v = 0;
                for (int a = 0; a < k; a++) v += z[i * k + a] * r[g[i] * k + a];
                c[i] = v;
                eta[i] += v;
            }
            contribution[t] = c;
        }
        return new PlugInFit(means, eta, contribution);
    }
}
