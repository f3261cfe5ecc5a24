using Xunit;

namespace GpuHbm.Tests.Posteriors;

/// <summary>
/// `gpuhbm fit --backend cpu-accelerator` — NUTS with every chain in one device ensemble and the GLMM kernels on
/// ILGPU's CPU accelerator — on the README's eight schools model against the posteriordb reference (the match rule of
/// fixtures/README.md: mean within 0.1 reference sd, sd within 10 %).
/// </summary>
[Trait("Category", "Slow")]
public class CpuAcceleratorReferenceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gpuhbm-cpu-accelerator-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Eight_schools_on_the_CPU_accelerator_matches_posteriordb()
    {
        var o = new StringWriter();
        var e = new StringWriter();
        // 4 × 1500 draws: tau's bulk ESS is about 0.3–0.5 per draw here, so its MCSE is below 0.03 reference sd.
        int code = GpuHbm.Cli.Program.Run(["fit", "--data", TestPaths.ExampleData("eight_schools.csv"), "--formula", "y | se(sigma) ~ 1 + (1 | school)",
            "--prior", "Intercept ~ normal(0, 5)", "--prior", "sd ~ cauchy(0, 5)", "--backend", "cpu-accelerator",
            "--chains", "4", "--warmup", "500", "--draws", "1500", "--adapt-delta", "0.95", "--seed", "20261130", "--quiet", "--output", _dir], o, e);
        string stdout = o.ToString();
        Assert.True(code == 0, e + stdout);
        Assert.Contains("backend: cpu-accelerator", stdout);
        Assert.Contains("all chains in one device ensemble", stdout);

        var fit = GpuHbm.Results.Fit.Load(_dir);   // the saved fit, as a user would read it back
        using (var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "fit.json"))))
            Assert.Equal("cpu-accelerator", json.RootElement.GetProperty("sampler").GetProperty("backend").GetString());
        var mu = ReferenceCases.Pooled(fit, "b_Intercept");
        var reference = ReferencePosterior.Load("eight_schools_noncentered.csv");
        var failures = reference.Variables.Select(v => reference.Check(v, v switch
        {
            "mu" => mu,
            "tau" => ReferenceCases.Pooled(fit, "sd_school__Intercept"),
            _ => ReferenceCases.Combine(mu, ReferenceCases.Pooled(fit, $"r_school[{v[6..^1]},Intercept]"), (a, b) => a + b), // theta[j]
        })).Where(m => m is not null).ToList();
        Assert.True(failures.Count == 0, $"{failures.Count} of {reference.Variables.Count()} quantities differ from posteriordb:\n" + string.Join("\n", failures));
    }
}
