using GpuHbm.Kernels;
using GpuHbm.Models;

namespace GpuHbm.Compute;

/// <summary>
/// A compiled GLMM's data and constants in the layout kernels/glmm.cl reads, uploaded once:
/// X (N × P row-major), y, trials, 1/se, offset; per random term its group index and Z, and the CSR
/// order of its rows by level (offsets + permutation); a table of term fields; prior slots.
/// </summary>
/// <remarks>
/// Term table (<see cref="TermFields"/> ints per term, the T_* indices of glmm.cl): K, J, correlated,
/// θ offsets of log sd / CPC values / z, offset of the term's Z in <see cref="ZData"/>, offsets of
/// r and of sd / L / log|J| in a chain's scratch, first sd prior slot, LKJ slot, global index of
/// level 0, offset of the term's Cholesky factor in <see cref="Kin"/> (−1 unless a relationship-matrix term).
/// A relationship-matrix term (gr(id, cov = K): intercept only, K = 1) uploads L = chol(K_levels + εI)
/// (<see cref="RandomEffectsTerm.Cholesky"/>), J × J row-major, zero above the diagonal. Levels of all terms are numbered globally (term by term); <see cref="LevelTerm"/> maps a
/// global level to its term; <see cref="Csr"/>[l] .. <see cref="Csr"/>[l+1] are the positions in
/// <see cref="Permutation"/> (terms concatenated, N rows each) of level l's rows, in increasing row order.
/// Prior slots (<see cref="PriorFields"/> doubles): kind, the three arguments, log normalizing
/// constant, half normalizer; slots 0..P−1 for b, P for sigma, then the sd slots, then LKJ slots
/// (eta in the first argument, the LKJ log constant as the normalizing constant).
/// </remarks>
internal sealed class DeviceModelData : IDisposable
{
    public const int TermFields = 13;
    public const int PriorFields = 6;

    public int N { get; }
    public int P { get; }
    public int D { get; }
    public int TermCount { get; }
    public int Levels { get; }
    public int MaxK { get; }
    public int Family { get; }
    public bool HasOffset { get; }
    public int SigmaOffset { get; }
    /// <summary>Per-chain r (and ∂/∂r) values: Σ_t J_t K_t.</summary>
    public int R { get; }
    /// <summary>Per-chain hyperparameter values: 1/sigma, then per term sd (K), L (K²), log|J|.</summary>
    public int H { get; }
    public double Constant { get; }

    public DeviceBuffer<double> X { get; }
    public DeviceBuffer<double> Y { get; }
    public DeviceBuffer<double> Trials { get; }
    public DeviceBuffer<double> InvSe { get; }
    public DeviceBuffer<double> Offset { get; }
    public DeviceBuffer<int> Terms { get; }
    public DeviceBuffer<int> Group { get; }
    public DeviceBuffer<double> ZData { get; }
    public DeviceBuffer<int> LevelTerm { get; }
    public DeviceBuffer<int> Csr { get; }
    public DeviceBuffer<int> Permutation { get; }
    public DeviceBuffer<double> Priors { get; }
    /// <summary>The Cholesky factors of the relationship-matrix terms, concatenated (one placeholder value when there are none).</summary>
    public DeviceBuffer<double> Kin { get; }
    /// <summary>Whether any term has a relationship matrix (glmm_kinship_grad has work).</summary>
    public bool HasKinship { get; }

    /// <summary>Bytes uploaded.</summary>
    public long Bytes { get; }

    private readonly List<DeviceBuffer> _owned = [];

    public DeviceModelData(Accelerator accelerator, CompiledModel model)
    {
        N = model.ObservationCount;
        P = model.FixedColumnCount;
        D = model.Dimension;
        var terms = model.RandomTerms;
        TermCount = terms.Count;
        MaxK = terms.Count == 0 ? 1 : terms.Max(t => t.K);
        var layout = model.Layout;
        var priorSet = model.PriorSet;
        SigmaOffset = layout.Find("sigma")?.Offset ?? -1;
        HasOffset = !model.Offset.IsEmpty;
        Family = (int)model.Spec.Family.Likelihood(!model.Se.IsEmpty);
        Constant = model.DensityConstant;

        // Prior slots.
        var slots = new List<double>();
        void Slot(PriorDistribution? d, double? lkjConstant = null)
        {
            if (d is null) { slots.AddRange([(int)PriorDistributionKind.Flat, 0, 0, 0, 0, 0]); return; }   // flat placeholder
            var a = d.Arguments;
            slots.Add((int)d.Kind);
            for (int i = 0; i < 3; i++) slots.Add(i < a.Count ? a[i] : 0);
            slots.Add(lkjConstant ?? d.LogNormalizingConstant);
            slots.Add(d.LogHalfNormalizer);
        }
        foreach (var b in priorSet.B) Slot(b);
        Slot(priorSet.Sigma);
        int sdSlot0 = slots.Count / PriorFields;
        foreach (var sd in priorSet.Sd)
            foreach (var d in sd) Slot(d);
        var lkjSlot = new int[terms.Count];
        for (int t = 0; t < terms.Count; t++)
        {
            lkjSlot[t] = -1;
            if (!terms[t].Correlated) continue;
            lkjSlot[t] = slots.Count / PriorFields;
            slots.AddRange([(int)PriorDistributionKind.Lkj, priorSet.CorEta[t], 0, 0, priorSet.CorLogConstant[t], 0]);
        }

        // Term table, level maps, group index, Z, CSR.
        var table = new int[Math.Max(1, terms.Count * TermFields)];
        int levels = 0, r = 0, h = 1, zOffset = 0, sdSlot = sdSlot0;
        foreach (var t in terms) levels += t.LevelCount;
        Levels = levels;
        var levelTerm = new int[Math.Max(1, levels)];
        var group = new int[Math.Max(1, terms.Count * N)];
        var zData = new double[Math.Max(1, terms.Sum(t => t.K) * N)];
        var csr = new int[levels + 1];
        var perm = new int[Math.Max(1, terms.Count * N)];
        int level0 = 0;
        var kin = new List<double>();
        for (int ti = 0; ti < terms.Count; ti++)
        {
            var t = terms[ti];
            int k = t.K, j = t.LevelCount;
            if (k > 64) throw new NotSupportedException($"group-level term for '{t.GroupName}' has {k} effects; the device density supports at most 64");
            var blocks = layout.Blocks.Where(b => b.Term == ti).ToList();
            var row = table.AsSpan(ti * TermFields, TermFields);
            row[0] = k;
            row[1] = j;
            row[2] = t.Correlated ? 1 : 0;
            row[3] = blocks.Single(b => b.Transform == ParameterTransform.Log).Offset;
            row[4] = blocks.SingleOrDefault(b => b.Transform == ParameterTransform.CholeskyCorr)?.Offset ?? -1;
            row[5] = blocks.Single(b => b.Transform == ParameterTransform.NonCentered).Offset;
            row[6] = zOffset;
            row[7] = r;
            row[8] = h;
            row[9] = sdSlot;
            row[10] = lkjSlot[ti];
            row[11] = level0;
            row[12] = -1;
            if (t.Relationship is not null)
            {
                var chol = t.Cholesky;
                if (k != 1 || chol.Count != j)
                    throw new NotSupportedException($"relationship-matrix term for '{t.GroupName}' has {k} effects and {j} levels for a {chol.Count}×{chol.Count} factor; the device density takes intercept-only terms over the factor's levels");
                if (kin.Count + (long)j * j > int.MaxValue)
                    throw new NotSupportedException($"the relationship matrices' Cholesky factors exceed 2^31-1 values");
                row[12] = kin.Count;
                kin.AddRange(chol.Lower.ToArray());
                HasKinship = true;
            }
            t.Z.Span.CopyTo(zData.AsSpan(zOffset, N * k));
            var g = t.GroupIndex.Span;
            g.CopyTo(group.AsSpan(ti * N, N));
            // Counting sort of the rows by level (stable: increasing row within a level).
            var count = new int[j + 1];
            for (int i = 0; i < N; i++) count[g[i] + 1]++;
            for (int l = 0; l < j; l++) count[l + 1] += count[l];
            for (int l = 0; l <= j; l++) csr[level0 + l] = ti * N + count[l];
            var next = count.AsSpan(0, j).ToArray();
            for (int i = 0; i < N; i++) perm[ti * N + next[g[i]]++] = i;
            for (int l = 0; l < j; l++) levelTerm[level0 + l] = ti;
            zOffset += N * k;
            r += j * k;
            h += k + k * k + 1;
            sdSlot += k;
            level0 += j;
        }
        R = Math.Max(1, r);
        H = h;

        var y = model.Y.ToArray();
        var trials = model.Trials.IsEmpty ? [0.0] : model.Trials.ToArray();
        var invSe = model.Se.IsEmpty ? [0.0] : model.Se.ToArray().Select(s => 1 / s).ToArray();
        var offset = model.Offset.IsEmpty ? [0.0] : model.Offset.ToArray();
        var x = model.X.Length == 0 ? [0.0] : model.X.ToArray();
        try
        {
            X = Upload(accelerator, x);
            Y = Upload(accelerator, y);
            Trials = Upload(accelerator, trials);
            InvSe = Upload(accelerator, invSe);
            Offset = Upload(accelerator, offset);
            Terms = Upload(accelerator, table);
            Group = Upload(accelerator, group);
            ZData = Upload(accelerator, zData);
            LevelTerm = Upload(accelerator, levelTerm);
            Csr = Upload(accelerator, csr);
            Permutation = Upload(accelerator, perm);
            Priors = Upload(accelerator, slots.ToArray());
            Kin = Upload(accelerator, kin.Count == 0 ? [0.0] : kin.ToArray());
        }
        catch
        {
            Dispose();
            throw;
        }
        Bytes = _owned.Sum(b => b.LengthInBytes);
    }

    private DeviceBuffer<T> Upload<T>(Accelerator accelerator, T[] values) where T : unmanaged
    {
        var buffer = accelerator.Allocate<T>(values);
        _owned.Add(buffer);
        return buffer;
    }

    public void Dispose()
    {
        foreach (var b in _owned) b.Dispose();
        _owned.Clear();
    }
}
