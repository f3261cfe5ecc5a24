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
