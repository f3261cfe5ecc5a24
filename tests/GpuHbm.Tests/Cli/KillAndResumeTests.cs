using System.Diagnostics;
using GpuHbm.Cli;
using GpuHbm.Results;
using GpuHbm.Tests.Results;
using Xunit;

namespace GpuHbm.Tests.Cli;

/// <summary>
/// The fault test of issue 9: `gpuhbm fit` runs in a child process and is killed with SIGKILL during sampling; the
/// draws it wrote parse and are a prefix of an uninterrupted run's; `gpuhbm summarize` says the fit is unfinished;
/// `gpuhbm fit --resume` completes it with draws.csv and sampler.csv identical, byte for byte, to the uninterrupted run.
/// </summary>
public class KillAndResumeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gpuhbm-kill-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    [Theory]
    [InlineData("nuts")]
    [InlineData("chees")]
    public void A_fit_killed_during_sampling_keeps_its_draws_and_resumes_to_the_same_draws(string sampler)
    {
        string[] fit = ["fit", "--data", Path.GetFullPath(TestPaths.ExampleData("sleepstudy.csv")), "--formula", "Reaction ~ 1 + Days + (1 + Days | Subject)",
            "--sampler", sampler, "--chains", sampler == "chees" ? "8" : "2", "--warmup", "150", "--draws", "3000", "--seed", "21", "--backend", "cpu", "--quiet"];
        string reference = Path.Combine(_dir, "reference"), killed = Path.Combine(_dir, "killed");
        var r = Run([.. fit, "--output", reference]);
        Assert.True(r.Code == 0, r.Err);

        // The child: the same command, killed once every chain has streamed some draws (and long before it could finish).
        string cli = typeof(Program).Assembly.Location;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])[cli, .. fit, "--output", killed, "--checkpoint-interval", "0.05"]) start.ArgumentList.Add(a);
        using var child = Process.Start(start)!;
        child.OutputDataReceived += (_, _) => { };
        child.ErrorDataReceived += (_, _) => { };
        child.BeginOutputReadLine();
        child.BeginErrorReadLine();
        var clock = Stopwatch.StartNew();
        int[] written = [];
        while (clock.Elapsed < TimeSpan.FromMinutes(5) && !child.HasExited)
        {
            var m = FitFolder.TryReadManifest(killed);
            written = m?.Chains.Select(c => c.DrawsWritten).ToArray() ?? [];
            if (written.Length > 0 && written.Min() >= 100) break;
            Thread.Sleep(20);
        }
        Assert.False(child.HasExited, "the child finished or died before it could be killed");
        child.Kill(); // SIGKILL on Unix: no handler runs, nothing is flushed after this
        child.WaitForExit();
        Assert.True(written.Max() < 3000, "killed after sampling ended");

        var manifest = FitFolder.ReadManifest(killed);
        Assert.Equal(FitManifest.Running, manifest.Status); // as the kill left it
        Assert.True(File.Exists(Path.Combine(killed, FitFolder.CheckpointFile)));
        StreamingAndResumeTests.AssertPrefixOf(reference, killed);
        var partial = DrawsCsvReader.ReadDraws(Path.Combine(killed, "draws.csv"), manifest.Settings.Chains);
        Assert.True(Enumerable.Range(0, partial.ChainCount).Min(partial.DrawCount) >= 100);

        var summary = Run("summarize", killed);
        Assert.True(summary.Code == 0, summary.Err);
        Assert.Contains("UNFINISHED", summary.Out);
        Assert.Contains("--resume", summary.Out);
        Assert.Contains("b_Days", summary.Out);

        var resumed = Run("fit", "--resume", killed, "--quiet");
        Assert.True(resumed.Code == 0, resumed.Err);
        Assert.Equal(File.ReadAllBytes(Path.Combine(reference, "draws.csv")), File.ReadAllBytes(Path.Combine(killed, "draws.csv")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(reference, "sampler.csv")), File.ReadAllBytes(Path.Combine(killed, "sampler.csv")));
        Assert.Equal(FitManifest.Finished, FitFolder.ReadManifest(killed).Status);
        Assert.Contains("finished", Run("summarize", killed).Out);
    }
}
