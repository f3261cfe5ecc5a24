using GpuHbm.Cli;

namespace GpuHbm.Tests.Cli;

/// <summary>Runs the `gpuhbm` command line in-process, capturing its output and errors.</summary>
internal static class CliRunner
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = Program.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }
}
