using MathNet.Numerics.LinearAlgebra;

namespace GpuHbm.Models.Kinship;

/// <summary>The REML estimate of a Gaussian kinship model.</summary>
/// <param name="Delta">δ̂ = σ̂e²/σ̂g².</param>
/// <param name="SigmaG2">σ̂g².</param>
/// <param name="SigmaE2">σ̂e² = δ̂σ̂g².</param>
/// <param name="Heritability">ĥ² = σ̂g²/(σ̂g² + σ̂e²) = 1/(1 + δ̂).</param>
/// <param name="Beta">β̂, the GLS estimate at δ̂.</param>
/// <param name="BetaStandardErrors">√diag(σ̂g²(X̃ᵀ(S + δ̂I)⁻¹X̃)⁻¹).</param>
/// <param name="LogLikelihood">The REML log-likelihood at δ̂.</param>
/// <param name="AtBoundary">True when δ̂ is at an end of the search range (ĥ² ≈ 0 or 1).</param>
public sealed record RemlEstimate(double Delta, double SigmaG2, double SigmaE2, double Heritability,
    double[] Beta, double[] BetaStandardErrors, double LogLikelihood, bool AtBoundary);

/// <summary>
/// REML for y ~ N(Xβ, σg²(K + δI)) on the FaST-LMM rotated problem (Kang et al. 2008, "Efficient
/// control of population structure in model organism association mapping" (EMMA), Genetics
/// 178:1709; Lippert et al. 2011, Nature Methods 8:833). For fixed δ = σe²/σg², β and σg² have
/// closed forms and the restricted log-likelihood is (Kang et al. 2008, eq. 5)
/// ℓ_R(δ) = ½[(N−P) log((N−P)/(2π)) − (N−P) − Σ log(s_i+δ) − log|X̃ᵀDX̃| + log|XᵀX| − (N−P) log R],
/// D = diag(1/(s_i+δ)), R = Σ (ỹ_i − x̃_iᵀβ̂)²/(s_i+δ), σ̂g² = R/(N−P). Each δ costs O(N·P²).
/// </summary>
/// <remarks>
/// ℓ_R is evaluated on a grid of log-spaced δ (default 100 points over [1e-5, 1e5]) and the best
/// grid point is refined by Brent's method (golden section with parabolic steps) in log δ between
/// its neighbours, to 1e-10 in log δ.
/// </remarks>
public static class RemlGrid
{
    public static RemlEstimate Estimate(RotatedKinshipData data, int gridPoints = 100, double minDelta = 1e-5, double maxDelta = 1e5)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (gridPoints < 3) throw new ArgumentOutOfRangeException(nameof(gridPoints), "at least 3 grid points");
        if (!(minDelta > 0 && maxDelta > minDelta)) throw new ArgumentException("need 0 < minDelta < maxDelta");
        double logXtX = LogDetXtX(data);
        double lo = Math.Log(minDelta), hi = Math.Log(maxDelta);
        var grid = new double[gridPoints];
        var values = new double[gridPoints];
        int best = 0;
        for (int g = 0; g < gridPoints; g++)
        {
            grid[g] = lo + (hi - lo) * g / (gridPoints - 1);
            values[g] = Evaluate(data, Math.Exp(grid[g]), logXtX).LogLikelihood;
            if (values[g] > values[best]) best = g;
        }
        double a = grid[Math.Max(0, best - 1)], c = grid[Math.Min(gridPoints - 1, best + 1)];
        double x = BrentMinimizer.Minimize(t => -Evaluate(data, Math.Exp(t), logXtX).LogLikelihood, a, grid[best], c, 1e-10);
        var fit = Evaluate(data, Math.Exp(x), logXtX);
        if (values[best] > fit.LogLikelihood) { x = grid[best]; fit = Evaluate(data, Math.Exp(x), logXtX); }
        bool boundary = x <= lo + 1e-6 * (hi - lo) || x >= hi - 1e-6 * (hi - lo);
        return fit with { AtBoundary = boundary };
    }

    /// <summary>The REML log-likelihood and profiled estimates at a given δ.</summary>
    public static RemlEstimate Evaluate(RotatedKinshipData data, double delta) => Evaluate(data, delta, LogDetXtX(data));

    private static RemlEstimate Evaluate(RotatedKinshipData data, double delta, double logXtX)
    {
        int n = data.Count, p = data.Predictors;
        var xtdx = Matrix<double>.Build.Dense(p, p);
        var xtdy = Vector<double>.Build.Dense(p);
        double ydy = 0, logDetH = 0;
        for (int i = 0; i < n; i++)
        {
            double h = data.S[i] + delta, w = 1 / h, yi = data.Y[i];
            logDetH += Math.Log(h);
            ydy += w * yi * yi;
            for (int j = 0; j < p; j++)
            {
                double xj = data.X[i * p + j] * w;
                xtdy[j] += xj * yi;
                for (int k = 0; k <= j; k++) xtdx[j, k] += xj * data.X[i * p + k];
            }
        }
        for (int j = 0; j < p; j++) for (int k = 0; k < j; k++) xtdx[k, j] = xtdx[j, k];
        double[] beta = [], se = [];
        double r = ydy, logDetXtDX = 0;
        if (p > 0)
        {
            if (!KinshipCholesky.TryFactor(xtdx, out var chol))
                throw new GpuHbmModelException("the fixed-effect design matrix is rank-deficient (some columns are collinear), so REML cannot separate their effects");
            var b = chol!.Solve(xtdy);
            beta = b.ToArray();
            r = ydy - b.DotProduct(xtdy);
            logDetXtDX = chol.DeterminantLn;
            var inv = chol.Solve(Matrix<double>.Build.DenseIdentity(p));
            se = new double[p];
            double s2 = r / (n - p);
            for (int j = 0; j < p; j++) se[j] = Math.Sqrt(s2 * inv[j, j]);
        }
        int dof = n - p;
        double sigmaG2 = r / dof;
        double ll = 0.5 * (dof * Math.Log(dof / (2 * Math.PI)) - dof - logDetH - logDetXtDX + logXtX - dof * Math.Log(r));
        return new RemlEstimate(delta, sigmaG2, delta * sigmaG2, 1 / (1 + delta), beta, se, ll, false);
    }

    /// <summary>log|XᵀX| = log|X̃ᵀX̃| (U is orthogonal).</summary>
    private static double LogDetXtX(RotatedKinshipData data)
    {
        int n = data.Count, p = data.Predictors;
        if (p == 0) return 0;
        var xtx = Matrix<double>.Build.Dense(p, p);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < p; j++)
                for (int k = 0; k < p; k++) xtx[j, k] += data.X[i * p + j] * data.X[i * p + k];
        if (!KinshipCholesky.TryFactor(xtx, out var chol))
            throw new GpuHbmModelException("the fixed-effect design matrix is rank-deficient (some columns are collinear), so REML cannot separate their effects");
        return chol!.DeterminantLn;
    }
}
