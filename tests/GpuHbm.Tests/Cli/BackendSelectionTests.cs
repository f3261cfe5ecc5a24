using GpuHbm.Compute;
using GpuHbm.Tests.Compute;
using Xunit;

namespace GpuHbm.Tests.Cli;

public class BackendSelectionTests
{
    private static DeviceCatalog Catalog => DeviceFixtures.Catalog;

    [Fact]
    public void Auto_picks_CUDA_then_an_OpenCL_GPU_then_the_CPU_and_says_why()
    {
        var choice = BackendSelection.Select("auto", null, Catalog);
        bool cuda = Catalog.Status(BackendKind.Cuda).IsAvailable;
        bool openClGpu = Catalog.Status(BackendKind.OpenCl).IsAvailable && Catalog.DevicesOf(BackendKind.OpenCl).Any(d => d.IsGpu && d.IsUsable);
        var expected = cuda ? BackendKind.Cuda : openClGpu ? BackendKind.OpenCl : BackendKind.Cpu;
        Assert.Equal(expected, choice.Backend);
        Assert.StartsWith("auto: ", choice.Reason);
        if (expected == BackendKind.Cpu)
        {
            // This machine (no GPU): the reason names why CUDA is missing and that PoCL is a CPU OpenCL device.
            Assert.Contains("no CUDA (", choice.Reason);
            Assert.Contains("no OpenCL GPU", choice.Reason);
            Assert.Contains("using the managed CPU backend", choice.Reason);
            Assert.False(choice.IsDevice);
        }
    }

    [Fact]
    public void Cpu_is_always_available()
    {
        var choice = BackendSelection.Select("CPU", null, Catalog);
        Assert.Equal(BackendKind.Cpu, choice.Backend);
        Assert.Equal("cpu", choice.Name);
        Assert.Throws<GpuHbmException>(() => BackendSelection.Select("cpu", 1, Catalog));
    }

    [Fact]
    public void Cpu_accelerator_is_always_available_but_never_picked_by_auto()
    {
        var choice = BackendSelection.Select("cpu-accelerator", null, Catalog);
        Assert.Equal(BackendKind.CpuAccelerator, choice.Backend);
        Assert.Equal("cpu-accelerator", choice.Name);
        Assert.True(choice.IsDevice);
        Assert.Contains("for tests and debugging", choice.Reason);
        Assert.Throws<GpuHbmException>(() => BackendSelection.Select("cpu-accelerator", 1, Catalog));
        Assert.NotEqual(BackendKind.CpuAccelerator, BackendSelection.Select("auto", null, Catalog).Backend);
    }

    [OpenClFact]
    public void Explicit_opencl_uses_a_usable_OpenCL_device()
    {
        var choice = BackendSelection.Select("opencl", null, Catalog);
        Assert.Equal(BackendKind.OpenCl, choice.Backend);
        Assert.True(choice.IsDevice);
        Assert.Equal(0, choice.Device.Index);
        Assert.Contains(choice.Device.Name, choice.Reason);
        Assert.Equal(choice.Device, BackendSelection.Select("opencl", 0, Catalog).Device);
        var e = Assert.Throws<GpuHbmException>(() => BackendSelection.Select("opencl", 57, Catalog));
        Assert.Contains("--device 57: no such OpenCL device", e.Message);
    }

    [Fact]
    public void Explicit_cuda_without_a_driver_is_a_clear_error_naming_what_is_missing()
    {
        var status = Catalog.Status(BackendKind.Cuda);
        if (status.IsAvailable) return; // a CUDA machine: nothing to check here
        var e = Assert.Throws<GpuHbmException>(() => BackendSelection.Select("cuda", null, Catalog));
        Assert.StartsWith("--backend cuda: CUDA unavailable because ", e.Message);
        Assert.Contains(status.Message, e.Message);
    }

    [Fact]
    public void Unknown_backends_and_negative_devices_are_refused()
    {
        Assert.Contains("unknown backend 'vulkan'", Assert.Throws<GpuHbmException>(() => BackendSelection.Select("vulkan", null, Catalog)).Message);
        Assert.Throws<GpuHbmException>(() => BackendSelection.Select("auto", -1, Catalog));
    }

    [Fact]
    public void Devices_command_lists_every_backend_its_devices_and_the_auto_choice()
    {
        var o = new StringWriter();
        var e = new StringWriter();
        Assert.Equal(0, GpuHbm.Cli.Program.Run(["devices"], o, e));
        string text = o.ToString();
        Assert.Contains("cpu: CPU available", text);
        Assert.Contains("--backend cpu --device 0: Managed CPU", text);
        Assert.Contains("opencl: OpenCL", text);
        Assert.Contains("cpu-accelerator: CPU accelerator available", text);
        foreach (var d in Catalog.Devices.Where(d => !d.IsUsable)) Assert.Contains($"NOT USABLE: {d.Unsupported}", text);
        Assert.Contains("cuda: CUDA", text);
        foreach (var d in Catalog.Devices.Where(d => d.Backend != BackendKind.Cpu))
            Assert.Contains($"--backend {BackendSelection.NameOf(d.Backend)} --device {d.Index}: {d.Name}", text);
        foreach (var s in Catalog.Backends.Where(s => !s.IsAvailable))
            Assert.Contains(s.Message, text); // the reason a backend is missing
        Assert.Contains("fp64 yes", text);
        Assert.Contains("--backend auto picks ", text);
    }

    [Fact]
    public void Fit_with_backend_cuda_and_no_driver_fails_with_one_line()
    {
        if (Catalog.Status(BackendKind.Cuda).IsAvailable) return;
        var o = new StringWriter();
        var e = new StringWriter();
        int code = GpuHbm.Cli.Program.Run(["fit", "--data", TestPaths.ExampleData("sleepstudy.csv"), "--formula", "Reaction ~ Days",
            "--backend", "cuda", "--quiet"], o, e);
        Assert.Equal(1, code);
        Assert.StartsWith("error: --backend cuda: CUDA unavailable because", e.ToString());
    }
}

public class BackendCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gpuhbm-backend-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Fit_with_sampler_chees_on_the_CPU_runs_end_to_end_and_records_sampler_backend_and_nested_rhat()
    {
        var outDir = Path.Combine(_dir, "out");
        var o = new StringWriter();
        var e = new StringWriter();
        int code = GpuHbm.Cli.Program.Run(["fit", "--data", TestPaths.ExampleData("radon_mn.csv"), "--formula", "log_radon ~ 1 + floor + (1 | county)",
            "--backend", "cpu", "--sampler", "chees", "--chains", "16", "--warmup", "150", "--draws", "20", "--seed", "9", "--quiet", "--output", outDir], o, e);
        string stdout = o.ToString();
        Assert.True(code == 0, e + stdout);
        Assert.Contains("backend: cpu (--backend cpu: the managed CPU backend", stdout);
        Assert.Contains("ChEES-HMC on the managed CPU backend", stdout);
        Assert.Contains("nested_rhat", stdout);
        Assert.Contains("sampler: chees, backend: cpu", stdout);

        var summary = File.ReadAllLines(Path.Combine(outDir, "summary.csv"));
        Assert.Equal("variable,mean,sd,q5,q50,q95,rhat,ess_bulk,ess_tail,nested_rhat", summary[0]);
        Assert.Equal(10, summary[1].Split(',').Length);

        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "fit.json")));
        var sampler = json.RootElement.GetProperty("sampler");
        Assert.Equal("chees", sampler.GetProperty("algorithm").GetString());
        Assert.Equal("cpu", sampler.GetProperty("backend").GetString());
        Assert.Equal("Managed CPU", sampler.GetProperty("device").GetProperty("name").GetString());
        Assert.Equal(2, sampler.GetProperty("nested_rhat_superchains").GetInt32());
    }

    [Fact]
    public void NUTS_summary_has_no_nested_rhat_column_and_bad_sampler_names_are_refused()
    {
        var outDir = Path.Combine(_dir, "nuts");
        var o = new StringWriter();
        var e = new StringWriter();
        int code = GpuHbm.Cli.Program.Run(["fit", "--data", TestPaths.ExampleData("sleepstudy.csv"), "--formula", "Reaction ~ Days",
            "--backend", "cpu", "--chains", "2", "--warmup", "50", "--draws", "20", "--seed", "1", "--quiet", "--output", outDir], o, e);
        Assert.True(code == 0, e.ToString());
        Assert.Equal("variable,mean,sd,q5,q50,q95,rhat,ess_bulk,ess_tail", File.ReadAllLines(Path.Combine(outDir, "summary.csv"))[0]);
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "fit.json")));
        Assert.Equal("nuts", json.RootElement.GetProperty("sampler").GetProperty("algorithm").GetString());

        e = new StringWriter();
        code = GpuHbm.Cli.Program.Run(["fit", "--data", TestPaths.ExampleData("sleepstudy.csv"), "--formula", "Reaction ~ Days",
            "--sampler", "mala", "--quiet"], new StringWriter(), e);
        Assert.Equal(1, code);
        Assert.Contains("unknown sampler 'mala'", e.ToString());
    }

    [Fact]
    public void Fit_on_the_cpu_accelerator_with_chees_runs_and_names_the_device()
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = GpuHbm.Cli.Program.Run(["fit", "--data", TestPaths.ExampleData("sleepstudy.csv"), "--formula", "Reaction ~ Days",
            "--backend", "cpu-accelerator", "--sampler", "chees", "--chains", "16", "--warmup", "30", "--draws", "10", "--seed", "2", "--quiet"], o, e);
        string stdout = o.ToString();
        Assert.True(code == 0, e + stdout);
        Assert.Contains("backend: cpu-accelerator (--backend cpu-accelerator: ILGPU's CPU accelerator", stdout);
        Assert.Contains("16 chains", stdout);
        Assert.Contains("all chains in one device ensemble", stdout);
    }

    [OpenClFact]
    public void Fit_on_opencl_with_512_chees_chains_runs_and_names_the_device()
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = GpuHbm.Cli.Program.Run(["fit", "--data", TestPaths.ExampleData("sleepstudy.csv"), "--formula", "Reaction ~ Days",
            "--backend", "opencl", "--device", "0", "--sampler", "chees", "--chains", "512", "--warmup", "30", "--draws", "10", "--seed", "2", "--quiet"], o, e);
        string stdout = o.ToString();
        Assert.True(code == 0, e + stdout);
        Assert.Contains("backend: opencl (--backend opencl: OpenCL device 0", stdout);
        Assert.Contains("512 chains", stdout);
        Assert.Contains("all chains in one device ensemble", stdout);
        Assert.Contains("nested_rhat", stdout);
    }
}
