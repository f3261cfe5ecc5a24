using GpuHbm.Kernels;
using GpuHbm.Models;

namespace GpuHbm.Compute;

/// <summary>
/// A compiled GLMM's data and constants on a device, uploaded once, in the layout the GLMM kernels read
/// (<see cref="GlmmModelView"/>): X (N × P row-major), y, trials, 1/se, offset; per term its group index and Z,
/// and the CSR order of its rows by level (offsets + permutation); the term table (<see cref="GlmmTerm"/>); the
/// prior slots (<see cref="PriorSlot"/>: P for b, then σ, then the sd slots, then the LKJ slots); the Cholesky
/// factors L = chol(K + εI) of the relationship-matrix terms (J × J row-major, zero above the diagonal).
/// </summary>
/// <remarks>
/// Levels of all terms are numbered globally (term by term); LevelTerm maps a global level to its term;
/// Csr[l] … Csr[l+1] are the positions in Permutation (terms concatenated, N rows each) of level l's rows, in
/// increasing row order: the per-level gradient sums walk them in that order, so they are sequential in row order
/// and need no atomics. Unused buffers hold one placeholder element.
/// </remarks>
internal sealed class DeviceModelData : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    public GlmmModelView View { get; }

    /// <summary>Whether any term has a relationship matrix.</summary>
    public bool HasKinship { get; }

    /// <summary>Bytes uploaded.</summary>
    public long Bytes { get; }

    public DeviceModelData(Accelerator accelerator, CompiledModel model)
    {
        int n = model.ObservationCount, p = model.FixedColumnCount;
        var terms = model.RandomTerms;
        var layout = model.Layout;
        var priorSet = model.PriorSet;

        // Prior slots: b, sigma, sd, LKJ.
        var slots = new List<PriorSlot>();
        foreach (var b in priorSet.B) slots.Add(b.Slot);
        int sigmaSlot = slots.Count;
        slots.Add(priorSet.Sigma?.Slot ?? PriorSlot.Flat);
        int sdSlot = slots.Count;
        foreach (var sd in priorSet.Sd)
            foreach (var d in sd) slots.Add(d.Slot);

        // Term table, level maps, group index, Z, CSR, kinship factors.
        var table = new GlmmTerm[Math.Max(1, terms.Count)];
        int levels = terms.Sum(t => t.LevelCount);
        var levelTerm = new int[Math.Max(1, levels)];
        var group = new int[Math.Max(1, terms.Count * n)];
        var design = new double[Math.Max(1, terms.Sum(t => t.K) * n)];
        var csr = new int[levels + 1];
        var permutation = new int[Math.Max(1, terms.Count * n)];
        var kinship = new List<double>();
        int effects = 0, hyper = 1, designOffset = 0, level0 = 0;
        for (int ti = 0; ti < terms.Count; ti++)
        {
            var t = terms[ti];
            int k = t.K, j = t.LevelCount;
            var blocks = layout.Blocks.Where(b => b.Term == ti).ToList();
            var row = new GlmmTerm
            {
                K = k, J = j, Kind = t.Kind,
                SdOffset = blocks.Single(b => b.Transform == ParameterTransform.Log).Offset,
                CorrelationOffset = blocks.SingleOrDefault(b => b.Transform == ParameterTransform.CholeskyCorr)?.Offset ?? -1,
                ZOffset = blocks.Single(b => b.Transform == ParameterTransform.NonCentered).Offset,
                DesignOffset = designOffset, EffectOffset = effects, HyperOffset = hyper,
                SdPrior = sdSlot, LkjPrior = -1, Level0 = level0, KinshipOffset = -1,
            };
            if (t.Correlated)
            {
                row.LkjPrior = slots.Count;
                slots.Add(new PriorSlot(PriorDistributionKind.Lkj, priorSet.CorEta[ti], 0, 0, priorSet.CorLogConstant[ti], 0));
            }
            if (t.Relationship is not null)
            {
                var chol = t.Cholesky;
                if (k != 1 || chol.Count != j)
                    throw new NotSupportedException($"relationship-matrix term for '{t.GroupName}' has {k} effects and {j} levels for a {chol.Count}×{chol.Count} factor; the device density takes intercept-only terms over the factor's levels");
                if (kinship.Count + (long)j * j > int.MaxValue)
                    throw new NotSupportedException("the relationship matrices' Cholesky factors exceed 2^31-1 values");
                row.KinshipOffset = kinship.Count;
                kinship.AddRange(chol.Lower.ToArray());
                HasKinship = true;
            }
            table[ti] = row;
            t.Z.Span.CopyTo(design.AsSpan(designOffset, n * k));
            var g = t.GroupIndex.Span;
            g.CopyTo(group.AsSpan(ti * n, n));
            // Counting sort of the rows by level (stable: increasing row within a level).
            var count = new int[j + 1];
            for (int i = 0; i < n; i++) count[g[i] + 1]++;
            for (int l = 0; l < j; l++) count[l + 1] += count[l];
            for (int l = 0; l <= j; l++) csr[level0 + l] = ti * n + count[l];
            var next = count.AsSpan(0, j).ToArray();
            for (int i = 0; i < n; i++) permutation[ti * n + next[g[i]]++] = i;
            for (int l = 0; l < j; l++) levelTerm[level0 + l] = ti;
            designOffset += n * k;
            effects += j * k;
            hyper += GlmmTerm.HyperValues(k);
            sdSlot += k;
            level0 += j;
        }

        try
        {
            View = new GlmmModelView
            {
                N = n, P = p, D = model.Dimension, Terms = terms.Count, Levels = levels,
                Hyper = hyper, Effects = Math.Max(1, effects),
                Likelihood = model.Spec.Family.Likelihood(!model.Se.IsEmpty),
                HasOffset = model.Offset.IsEmpty ? 0 : 1,
                SigmaOffset = layout.Find("sigma")?.Offset ?? -1, SigmaPrior = sigmaSlot,
                Constant = model.DensityConstant,
                X = Upload(accelerator, model.X.IsEmpty ? [0.0] : model.X.ToArray()),
                Y = Upload(accelerator, model.Y.ToArray()),
                Trials = Upload(accelerator, model.Trials.IsEmpty ? [0.0] : model.Trials.ToArray()),
                InverseSe = Upload(accelerator, model.Se.IsEmpty ? [0.0] : model.Se.ToArray().Select(s => 1 / s).ToArray()),
                Offset = Upload(accelerator, model.Offset.IsEmpty ? [0.0] : model.Offset.ToArray()),
                Design = Upload(accelerator, design),
                Kinship = Upload(accelerator, kinship.Count == 0 ? [0.0] : kinship.ToArray()),
                Group = Upload(accelerator, group),
                LevelTerm = Upload(accelerator, levelTerm),
                Csr = Upload(accelerator, csr),
                Permutation = Upload(accelerator, permutation),
                TermTable = Upload(accelerator, table),
                Priors = Upload(accelerator, slots.ToArray()),
            };
        }
        catch
        {
            Dispose();
            throw;
        }
        Bytes = _bytes;
    }

    private long _bytes;

    private ILGPU.ArrayView<T> Upload<T>(Accelerator accelerator, T[] values) where T : unmanaged
    {
        var buffer = accelerator.Allocate<T>(values);
        _owned.Add(buffer);
        _bytes += buffer.LengthInBytes;
        return buffer.View;
    }

    public void Dispose()
    {
        foreach (var b in _owned) b.Dispose();
        _owned.Clear();
    }
}
