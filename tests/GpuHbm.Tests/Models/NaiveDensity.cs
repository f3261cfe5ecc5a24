using GpuHbm.Kernels;
using GpuHbm.Models;
using MathNet.Numerics;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.LinearAlgebra;

namespace GpuHbm.Tests.Models;

/// <summary>
/// An independent, deliberately plain implementation of the model's log density: it reads only the
/// design (X, Z, group index, offsets), the layout and the resolved priors from the compiled model and
/// computes everything else its own way: likelihoods and priors with MathNet's distributions, r from
/// an explicit Cholesky factor, the LKJ density from det Ω with constants known in closed form, and
/// the Jacobian of y ↦ Ω by finite differences.
/// </summary>
internal static class NaiveDensity
{
    public static double LogDensity(CompiledModel m, double[] theta)
    {
        var family = m.Spec.Family.Name;
        int n = m.ObservationCount, p = m.FixedColumnCount;
        var x = m.X.ToArray();
        var y = m.Y.ToArray();
        var trials = m.Trials.ToArray();
        var se = m.Se.ToArray();
        var offset = m.Offset.ToArray();
        var priors = m.Priors;
        int pi = 0;
        double lp = 0;

        var b = theta[..p];
        for (int q = 0; q < p; q++) lp += PriorLn(priors[pi++].Distribution, b[q], half: false);

        var eta = new double[n];
        for (int i = 0; i < n; i++)
        {
            eta[i] = offset.Length > 0 ? offset[i] : 0;
            for (int q = 0; q < p; q++) eta[i] += x[i * p + q] * b[q];
        }

        // Group-level terms. Priors are listed sd (all terms), then cor, then sigma.
        var sdPriors = priors.Where(r => r.Class == PriorClass.Sd).ToList();
        var corPriors = priors.Where(r => r.Class == PriorClass.Cor).ToList();
        int sdIndex = 0, corIndex = 0;
        for (int t = 0; t < m.RandomTerms.Count; t++)
        {
            var term = m.RandomTerms[t];
            int k = term.K, levels = term.LevelCount;
            var blocks = m.Layout.Blocks.Where(bl => bl.Term == t).ToList();
            var sdBlock = blocks.Single(bl => bl.Transform == ParameterTransform.Log);
            var zBlock = blocks.Single(bl => bl.Transform == ParameterTransform.NonCentered);
            var sd = new double[k];
            for (int a = 0; a < k; a++)
            {
                sd[a] = Math.Exp(theta[sdBlock.Offset + a]);
                lp += PriorLn(sdPriors[sdIndex++].Distribution, sd[a], half: true) + theta[sdBlock.Offset + a];
            }
            var L = Matrix<double>.Build.DenseIdentity(k);
            if (term.Correlated)
            {
                var yBlock = blocks.Single(bl => bl.Transform == ParameterTransform.CholeskyCorr);
                var yv = theta.AsSpan(yBlock.Offset, yBlock.Length).ToArray();
                L = CholeskyFromCpc(yv, k);
                var omega = L * L.Transpose();
                double eta0 = corPriors[corIndex++].Distribution.LkjEta;
                lp += (eta0 - 1) * Math.Log(omega.Determinant()) - Math.Log(LkjVolume(k, eta0));
                lp += LogAbsJacobianToOmega(yv, k);
            }
            var r = new double[levels, k];
            for (int j = 0; j < levels; j++)
            {
                var z = Vector<double>.Build.Dense(k, a => theta[zBlock.Offset + j * k + a]);
                foreach (var v in z) lp += Normal.PDFLn(0, 1, v);
                var w = L * z;
                for (int a = 0; a < k; a++) r[j, a] = sd[a] * w[a];
            }
            var zz = term.Z.ToArray();
            var g = term.GroupIndex.ToArray();
            for (int i = 0; i < n; i++)
                for (int a = 0; a < k; a++) eta[i] += zz[i * k + a] * r[g[i], a];
        }

        double sigma = 0;
        var sigmaBlock = m.Layout.Find("sigma");
        if (sigmaBlock is not null)
        {
            sigma = Math.Exp(theta[sigmaBlock.Offset]);
            lp += PriorLn(priors.Single(r => r.Class == PriorClass.Sigma).Distribution, sigma, half: true) + theta[sigmaBlock.Offset];
        }

        for (int i = 0; i < n; i++)
        {
            lp += family switch
            {
                "gaussian" => Normal.PDFLn(eta[i], se.Length > 0 ? se[i] : sigma, y[i]),
                "bernoulli" => Bernoulli.PMFLn(1 / (1 + Math.Exp(-eta[i])), (int)y[i]),
                "binomial" => Binomial.PMFLn(1 / (1 + Math.Exp(-eta[i])), (int)trials[i], (int)y[i]),
                "poisson" => Poisson.PMFLn(Math.Exp(eta[i]), (int)y[i]),
                _ => throw new InvalidOperationException(family),
            };
        }
        return lp;
    }

    /// <summary>Prior log density with MathNet; half: truncated to [0, ∞) with 1/P(X ≥ 0).</summary>
    public static double PriorLn(PriorDistribution d, double v, bool half)
    {
        var a = d.Arguments;
        (double ln, double cdf0) = d.Kind switch
        {
            PriorDistributionKind.Normal => (Normal.PDFLn(a[0], a[1], v), Normal.CDF(a[0], a[1], 0)),
            PriorDistributionKind.StudentT => (StudentT.PDFLn(a[1], a[2], a[0], v), StudentT.CDF(a[1], a[2], a[0], 0)),
            PriorDistributionKind.Cauchy => (Cauchy.PDFLn(a[0], a[1], v), Cauchy.CDF(a[0], a[1], 0)),
            PriorDistributionKind.Exponential => (Exponential.PDFLn(a[0], v), 0.0),
            PriorDistributionKind.Flat => (0.0, 0.5),
            _ => throw new InvalidOperationException(d.ToString()),
        };
        return half ? ln - Math.Log(1 - cdf0) : ln;
    }

    /// <summary>Cholesky factor from CPCs as in the Stan Reference Manual: w[i,j] = tanh(y), rows normalized.</summary>
    public static Matrix<double> CholeskyFromCpc(double[] y, int k)
    {
        var L = Matrix<double>.Build.Dense(k, k);
        L[0, 0] = 1;
        int n = 0;
        for (int i = 1; i < k; i++)
        {
            double remaining = 1;
            for (int j = 0; j < i; j++)
            {
                double cpc = Math.Tanh(y[n++]);
                L[i, j] = cpc * Math.Sqrt(remaining);
                remaining -= L[i, j] * L[i, j];
            }
            L[i, i] = Math.Sqrt(remaining);
        }
        return L;
    }

    /// <summary>log |det ∂ vech*(Ω)/∂y| by central differences (Ω's strict lower triangle, row-wise).</summary>
    public static double LogAbsJacobianToOmega(double[] y, int k)
    {
        int m = y.Length;
        var jac = Matrix<double>.Build.Dense(m, m);
        const double h = 1e-5;
        for (int c = 0; c < m; c++)
        {
            var up = (double[])y.Clone(); up[c] += h;
            var dn = (double[])y.Clone(); dn[c] -= h;
            var ou = Offdiag(up, k);
            var od = Offdiag(dn, k);
            for (int r = 0; r < m; r++) jac[r, c] = (ou[r] - od[r]) / (2 * h);
        }
        return Math.Log(Math.Abs(jac.Determinant()));
    }

    private static double[] Offdiag(double[] y, int k)
    {
        var L = CholeskyFromCpc(y, k);
        var o = L * L.Transpose();
        var result = new List<double>();
        for (int i = 1; i < k; i++) for (int j = 0; j < i; j++) result.Add(o[i, j]);
        return result.ToArray();
    }

    /// <summary>
    /// ∫ det(Ω)^{η−1} dΩ over K×K correlation matrices, from closed forms: K = 2: ∫(1−r²)^{η−1} dr =
    /// 2^{2η−1} B(η, η) (a beta integral); K = 3, η = 1: π²/2 (the volume of the 3×3 elliptope).
    /// </summary>
    public static double LkjVolume(int k, double eta) => (k, eta) switch
    {
        (2, _) => Math.Pow(2, 2 * eta - 1) * Math.Exp(SpecialFunctions.BetaLn(eta, eta)),
        (3, 1.0) => Math.PI * Math.PI / 2,
        _ => throw new NotSupportedException($"no closed form used for K={k}, eta={eta}"),
    };
}
