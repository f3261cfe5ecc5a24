using GpuHbm.Results;
using Xunit;

namespace GpuHbm.Tests.Results;

public class DrawSetTests
{
    [Fact]
    public void Diagnostics_use_the_chains_with_draws_cut_to_their_common_length()
    {
        // Two parameters; chain 0 has 3 draws, chain 1 none (stopped in warm-up), chain 2 has 5.
        var set = new DrawSet(["a", "b"], [[1, 10, 2, 20, 3, 30], [], [4, 40, 5, 50, 6, 60, 7, 70, 8, 80]]);
        Assert.Equal([0, 2], set.SummarizedChains);
        Assert.Equal(3, set.CommonDrawCount);
        Assert.Equal(8, set.TotalDrawCount);
        var b = set.Chains("b");
        Assert.Equal(2, b.Length);
        Assert.Equal([10.0, 20, 30], b[0]);
        Assert.Equal([40.0, 50, 60], b[1]);
    }

    [Fact]
    public void Csv_quotes_names_with_commas()
    {
        var set = new DrawSet(["b_x", "r_g[1,Intercept]"], [[1.5, -2]]);
        var w = new StringWriter();
        DrawsCsvWriter.WriteDraws(set, w);
        Assert.Equal(".chain,.iteration,.draw,b_x,\"r_g[1,Intercept]\"\n1,1,1,1.5,-2\n", w.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Unknown_parameter_suggests_similar_names()
    {
        var set = new DrawSet(["b_Intercept", "b_Days"], [[1, 2]]);
        var e = Assert.Throws<GpuHbmException>(() => set.IndexOf("Days"));
        Assert.Contains("b_Days", e.Message);
    }
}
