namespace GpuHbm.Predictions;

/// <summary>What to do with a level of a grouping factor that the fit did not see (a new hospital, a new subject).</summary>
public enum NewLevelMode
{
    /// <summary>An error naming the grouping, the level and the row (brms's default, allow_new_levels = FALSE).</summary>
    Error,
    /// <summary>
    /// Draw the new level's effects from the fitted population distribution, one draw per posterior draw,
    /// correlated terms with their correlation (brms's sample_new_levels = "gaussian"). For a
    /// gr(id, cov = K) term an individual in K is not new: its effect is drawn from its conditional
    /// distribution given the fitted individuals' effects through K.
    /// </summary>
    Sample,
    /// <summary>Give the new level no group-level effect: the population-level prediction for its rows (what re_formula = NA gives them).</summary>
    Population,
}

/// <summary>What scale the draws are on.</summary>
public enum PredictionScale
{
    /// <summary>η, the linear predictor (brms's posterior_linpred).</summary>
    LinearPredictor,
    /// <summary>E[y | η], the expected response: inverse link, times the trials for binomial (posterior_epred).</summary>
    ExpectedResponse,
    /// <summary>Draws of the response itself (posterior_predict), with the rows' trials and known standard errors.</summary>
    PosteriorPredictive,
    /// <summary>log p(y_i | η_i), the pointwise log likelihood of the observed response (log_lik).</summary>
    LogLikelihood,
}

/// <summary>How predictions treat group-level effects and where their random numbers come from.</summary>
public record PredictionOptions
{
    /// <summary>Levels the fit did not see; default <see cref="NewLevelMode.Error"/>.</summary>
    public NewLevelMode NewLevels { get; init; } = NewLevelMode.Error;

    /// <summary>False leaves every group-level effect out (brms's re_formula = NA): population-level predictions.</summary>
    public bool IncludeGroupEffects { get; init; } = true;

    /// <summary>Groupings (as named in the summary: "hospital", "a:b") whose effects are left out, the others kept.</summary>
    public IReadOnlyCollection<string> ExcludeGroups { get; init; } = [];

    /// <summary>Seed of the posterior predictive draws and new-level effects; null uses the fit's seed.</summary>
    public ulong? Seed { get; init; }
}
