using GpuHbm.Models;

namespace GpuHbm.Estimands;

/// <summary>
/// Where a group-level term's covariance lives among the reported parameters: sd_&lt;group&gt;__&lt;col&gt;
/// per column and cor_&lt;group&gt;__&lt;a&gt;__&lt;b&gt; per pair of a correlated term, so that Σ (the
/// covariance of one level's effects) can be rebuilt for any draw.
/// </summary>
internal sealed class TermCovariance
{
    private readonly int[] _sd;
    private readonly int[,] _cor;   // −1: uncorrelated (zero)

    public RandomEffectsTerm Term { get; }
    public int K => _sd.Length;

    public TermCovariance(RandomEffectsTerm term, PosteriorDraws draws)
    {
        Term = term;
        int k = term.K;
        _sd = term.ColumnNames.Select(c => draws.IndexOf($"sd_{term.GroupName}__{c}")).ToArray();
        _cor = new int[k, k];
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++)
                _cor[a, b] = -1;
        if (term.Correlated)
            for (int j = 1; j < k; j++)
                for (int i = 0; i < j; i++)
                    _cor[i, j] = _cor[j, i] = draws.IndexOf($"cor_{term.GroupName}__{term.ColumnNames[i]}__{term.ColumnNames[j]}");
    }

    /// <summary>The sd of column a in one draw.</summary>
    public double Sd(ReadOnlySpan<double> draw, int a) => draw[_sd[a]];

    /// <summary>Σ[a, b] in one draw.</summary>
    public double Covariance(ReadOnlySpan<double> draw, int a, int b)
    {
        double s = draw[_sd[a]] * draw[_sd[b]];
        if (a == b) return s;
        return _cor[a, b] < 0 ? 0 : s * draw[_cor[a, b]];
    }

    /// <summary>z'Σz: the variance of the term's contribution z·r at design values z (length K).</summary>
    public double VarianceAt(ReadOnlySpan<double> draw, ReadOnlySpan<double> z)
    {
        double v = 0;
        for (int a = 0; a < K; a++)
        {
            if (z[a] == 0) continue;
            for (int b = 0; b < K; b++)
                if (z[b] != 0) v += z[a] * z[b] * Covariance(draw, a, b);
        }
        return v;
    }

    /// <summary>Σ of one draw into a K × K row-major span.</summary>
    public void Fill(ReadOnlySpan<double> draw, Span<double> sigma)
    {
        for (int a = 0; a < K; a++)
            for (int b = 0; b < K; b++)
                sigma[a * K + b] = Covariance(draw, a, b);
    }

    /// <summary>Index of a column by name, or −1.</summary>
    public int ColumnIndex(string column)
    {
        for (int a = 0; a < K; a++) if (Term.ColumnNames[a] == column) return a;
        return -1;
    }
}
