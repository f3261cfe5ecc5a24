namespace GpuHbm;

/// <summary>
/// Base of every error GpuHbm reports to a user: its Message is one complete sentence that
/// names the column, row, term or parameter at fault. The CLI prints it without a stack trace.
/// </summary>
public class GpuHbmException : Exception
{
    public GpuHbmException(string message) : base(message) { }
    public GpuHbmException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>Bad or missing input data.</summary>
public class GpuHbmDataException : GpuHbmException
{
    public GpuHbmDataException(string message) : base(message) { }
}

/// <summary>A formula that does not parse; Position is the 0-based character index at fault.</summary>
public class GpuHbmFormulaException : GpuHbmException
{
    public int Position { get; }
    public string Formula { get; }

    public GpuHbmFormulaException(string formula, int position, string message)
        : base($"{message}\n  {formula}\n  {new string(' ', Math.Max(0, position))}^")
    {
        Formula = formula;
        Position = position;
    }
}

/// <summary>A model that cannot be built: wrong family for the response, bad prior, unknown term.</summary>
public class GpuHbmModelException : GpuHbmException
{
    public GpuHbmModelException(string message) : base(message) { }
}

/// <summary>
/// An option out of range or inconsistent with others. <see cref="Option"/> is the CLI spelling
/// (e.g. "--threads"), <see cref="Property"/> the <see cref="FitOptions"/> property (e.g. "MaxParallelism");
/// the message names both so that either kind of user recognizes it.
/// </summary>
public class GpuHbmOptionException : GpuHbmException
{
    public string Option { get; }
    public string Property { get; }

    /// <summary>What is wrong, after the option's name.</summary>
    public string Problem { get; }

    /// <param name="option">CLI spelling, e.g. "--threads".</param>
    /// <param name="property">Library spelling, e.g. "MaxParallelism".</param>
    /// <param name="problem">What is wrong, in the user's terms, e.g. "must be at least 1 (it is the number of chains run at once); got 0".</param>
    public GpuHbmOptionException(string option, string property, string problem)
        : base($"{option} {problem}" + (string.Equals(option.TrimStart('-').Replace("-", ""), property, StringComparison.OrdinalIgnoreCase) ? "" : $" (FitOptions.{property})"))
    {
        Option = option;
        Property = property;
        Problem = problem;
    }
}

/// <summary>The work asked for needs more memory or disk than there is: the message gives the figures and what to lower.</summary>
public class GpuHbmResourceException : GpuHbmException
{
    public GpuHbmResourceException(string message) : base(message) { }
}
