namespace GpuHbm.Diagnostics;

/// <summary>
/// Posterior summary and convergence diagnostics of one scalar variable, with the
/// definitions of R's posterior package 1.4.0 (<c>summarise_draws</c> and the functions of
/// R/convergence.R). Diagnostics that posterior reports as NA are NaN.
/// </summary>
/// <param name="Mean">Mean of all draws.</param>
/// <param name="Sd">Standard deviation of all draws (n − 1).</param>
/// <param name="Q5">5 % quantile (type 7).</param>
/// <param name="Q50">Median.</param>
/// <param name="Q95">95 % quantile (type 7).</param>
/// <param name="Rhat">Rank-normalized split R̂, max of bulk and tail (<c>rhat</c>).</param>
/// <param name="RhatBasic">Split R̂ without rank normalization (<c>rhat_basic</c>).</param>
/// <param name="EssBulk">Bulk effective sample size (<c>ess_bulk</c>).</param>
/// <param name="EssTail">Tail effective sample size (<c>ess_tail</c>).</param>
/// <param name="EssBasic">Split-chain ESS of the raw draws (<c>ess_basic</c>).</param>
/// <param name="EssMean">ESS for the mean (<c>ess_mean</c>; equals <paramref name="EssBasic"/>).</param>
/// <param name="EssSd">ESS for the standard deviation (<c>ess_sd</c>).</param>
/// <param name="McseMean">Monte Carlo standard error of the mean (<c>mcse_mean</c>).</param>
/// <param name="McseSd">Monte Carlo standard error of the sd (<c>mcse_sd</c>).</param>
/// <param name="McseQ5">Monte Carlo standard error of the 5 % quantile (<c>mcse_quantile</c>).</param>
/// <param name="McseQ95">Monte Carlo standard error of the 95 % quantile (<c>mcse_quantile</c>).</param>
public sealed record VariableSummary(
    double Mean, double Sd, double Q5, double Q50, double Q95,
    double Rhat, double RhatBasic,
    double EssBulk, double EssTail, double EssBasic, double EssMean, double EssSd,
    double McseMean, double McseSd, double McseQ5, double McseQ95);
