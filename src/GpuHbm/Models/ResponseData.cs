using GpuHbm.Formulas;

namespace GpuHbm.Models;

/// <summary>
/// The response and its companions, validated for the family: y, trials (binomial), known standard
/// errors (gaussian <c>y | se(s)</c>) and the summed offsets. Errors name the column and the 1-based row.
/// </summary>
internal sealed class ResponseData
{
    public required double[] Y { get; init; }
    public double[]? Trials { get; init; }
    public double[]? Se { get; init; }
    public double[]? Offset { get; init; }

    public static ResponseData Build(Formula formula, Family family, DesignMatrixBuilder data, int rows)
    {
        var r = formula.Response;
        string fam = family.Name;
        if (r.SeColumn is not null && family.Kind != FamilyKind.Gaussian)
            throw new GpuHbmModelException($"'{r.Column} | se({r.SeColumn})' (known standard errors) needs family gaussian, not {fam}");
        if ((r.TrialsColumn is not null || r.FailuresColumn is not null) && family.Kind != FamilyKind.Binomial)
            throw new GpuHbmModelException(r.FailuresColumn is not null
                ? $"cbind({r.Column}, {r.FailuresColumn}) needs family binomial, not {fam}"
                : $"'{r.Column} | trials({r.TrialsColumn})' needs family binomial, not {fam}");
        if (family.Kind == FamilyKind.Binomial && r.TrialsColumn is null && r.FailuresColumn is null)
            throw new GpuHbmModelException($"family binomial needs the number of trials: write '{r.Column} | trials(n) ~ ...' or 'cbind({r.Column}, failures) ~ ...'");

        var y = data.NumericOf(r.Column, "response");
        double[]? trials = null, se = null;
        switch (family.Kind)
        {
            case FamilyKind.Gaussian:
                if (r.SeColumn is not null)
                {
                    se = data.NumericOf(r.SeColumn, "standard error");
                    for (int i = 0; i < rows; i++)
                        if (!(se[i] > 0))
                            throw new GpuHbmDataException($"standard errors in column '{r.SeColumn}' must be positive, but row {i + 1} holds {se[i]}");
                }
                break;
            case FamilyKind.Bernoulli:
                for (int i = 0; i < rows; i++)
                    if (y[i] != 0 && y[i] != 1)
                        throw new GpuHbmDataException($"family bernoulli needs a 0/1 response, but column '{r.Column}' holds {y[i]} at row {i + 1}");
                break;
            case FamilyKind.Binomial:
                if (r.FailuresColumn is not null)
                {
                    var f = data.NumericOf(r.FailuresColumn, "failures");
                    trials = new double[rows];
                    for (int i = 0; i < rows; i++)
                    {
                        RequireCount(y[i], r.Column, i, "successes");
                        RequireCount(f[i], r.FailuresColumn, i, "failures");
                        trials[i] = y[i] + f[i];
                        if (trials[i] == 0)
                            throw new GpuHbmDataException($"cbind({r.Column}, {r.FailuresColumn}) has no trials at row {i + 1} (both are 0)");
                    }
                }
                else
                {
                    trials = data.NumericOf(r.TrialsColumn!, "trials");
                    for (int i = 0; i < rows; i++)
                    {
                        if (!(trials[i] >= 1) || trials[i] != Math.Floor(trials[i]))
                            throw new GpuHbmDataException($"trials in column '{r.TrialsColumn}' must be positive integers, but row {i + 1} holds {trials[i]}");
                        RequireCount(y[i], r.Column, i, "successes");
                        if (y[i] > trials[i])
                            throw new GpuHbmDataException($"binomial successes in column '{r.Column}' exceed the trials in '{r.TrialsColumn}' at row {i + 1} ({y[i]} > {trials[i]})");
                    }
                }
                break;
            case FamilyKind.Poisson:
                for (int i = 0; i < rows; i++) RequireCount(y[i], r.Column, i, "poisson counts");
                break;
        }

        double[]? offset = null;
        foreach (var col in formula.OffsetColumns)
        {
            var o = data.NumericOf(col, "offset");
            offset ??= new double[rows];
            for (int i = 0; i < rows; i++) offset[i] += o[i];
        }
        return new ResponseData { Y = y, Trials = trials, Se = se, Offset = offset };
    }

    private static void RequireCount(double v, string column, int row, string what)
    {
        if (v < 0 || v != Math.Floor(v))
            throw new GpuHbmDataException($"{what} in column '{column}' must be non-negative integers, but row {row + 1} holds {v}");
    }
}
