using System.CommandLine;

namespace GpuHbm.Cli;

/// <summary>The `gpuhbm` command. Errors are one line on stderr and a non-zero exit, never a stack trace.</summary>
public static class Program
{
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs the command line with the given writers (tests call this directly).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("GpuHbm: Bayesian multilevel models (GLMMs) by Hamiltonian Monte Carlo.");
        root.Add(FitCommand.Create(output, error));
        root.Add(SimulateCommand.Create(output, error));
        root.Add(DevicesCommand.Create(output, error));
        root.Add(PredictCommand.Create(output, error));
        root.Add(LooCommand.Create(output, error));
        root.Add(LooCommand.CreateCompare(output, error));
        root.Add(LooCommand.CreateKFold(output, error));
        root.Add(EffectsCommand.Create(output, error));
        root.Add(CheckCommand.Create(output, error));
        root.Add(SummarizeCommand.Create(output, error));
        foreach (var c in EstimandCommands.Create(output, error)) root.Add(c);
        try
        {
            var parse = root.Parse(args);
            if (parse.Errors.Count > 0)
            {
                // One line per problem, in the user's terms; the full option list is one --help away.
                foreach (var problem in parse.Errors) error.WriteLine("error: " + problem.Message);
                string command = parse.CommandResult.Command is { } c && c != root ? $"gpuhbm {c.Name} --help" : "gpuhbm --help";
                error.WriteLine($"({command} lists the options)");
                return CliErrors.UserError;
            }
            return parse.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
        }
        catch (Exception e)
        {
            return CliErrors.Report(e, error);
        }
    }
}

/// <summary>Maps exceptions to one clear line and an exit code.</summary>
internal static class CliErrors
{
    public const int UserError = 1, InternalError = 70;

    public static int Report(Exception e, TextWriter error)
    {
        while (e is AggregateException { InnerExceptions.Count: 1 } a) e = a.InnerException!;
        switch (e)
        {
            case GpuHbmOptionException o:
                error.WriteLine($"error: {o.Option} {o.Problem}");
                return UserError;
            case GpuHbmException g:
                error.WriteLine("error: " + g.Message);
                return UserError;
            case FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException:
                error.WriteLine("error: " + e.Message);
                return UserError;
            default:
                error.WriteLine($"internal error ({e.GetType().Name}): {e.Message}. Please report this with the command you ran.");
                if (Environment.GetEnvironmentVariable("GPUHBM_DEBUG") == "1") error.WriteLine(e);
                return InternalError;
        }
    }
}
