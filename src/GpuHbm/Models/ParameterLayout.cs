namespace GpuHbm.Models;

/// <summary>How a block of the unconstrained vector θ maps to the reported parameters.</summary>
public enum ParameterTransform
{
    /// <summary>θ is the parameter (b).</summary>
    Identity,
    /// <summary>θ = log of a positive parameter (sigma, sd); log Jacobian = θ.</summary>
    Log,
    /// <summary>θ = the K(K−1)/2 unconstrained values of a Cholesky factor of a correlation matrix (<see cref="CholeskyCorrTransform"/>).</summary>
    CholeskyCorr,
    /// <summary>θ = standard-normal z of the non-centered group-level effects: r[j,:] = diag(sd)·L·z[j,:].</summary>
    NonCentered,
}

/// <summary>
/// One named block of θ. Names: "b", "sigma", and per random term t (0-based, in formula order)
/// "sd_{group}" (log sd), "L_{group}" (Cholesky factor, only for correlated terms with K &gt; 1) and
/// "z_{group}" (levels × K, level-major). <see cref="Term"/> is the term index, −1 for b and sigma.
/// </summary>
public sealed record ParameterBlock(string Name, int Offset, int Length, ParameterTransform Transform, int Term = -1);

/// <summary>
/// The layout of the unconstrained vector θ: b (P); log sigma (gaussian without se); then per random
/// term: log sd (K), Cholesky-factor values (K(K−1)/2, correlated K &gt; 1 only), z (levels × K).
/// </summary>
public sealed class ParameterLayout
{
    public ParameterLayout(IReadOnlyList<ParameterBlock> blocks)
    {
        Blocks = blocks;
        int offset = 0;
        foreach (var b in blocks)
        {
            if (b.Offset != offset) throw new ArgumentException($"block {b.Name} starts at {b.Offset}, expected {offset}");
            offset += b.Length;
        }
        Dimension = offset;
    }

    public IReadOnlyList<ParameterBlock> Blocks { get; }

    /// <summary>Total length of θ.</summary>
    public int Dimension { get; }

    /// <summary>The block with this name, or null.</summary>
    public ParameterBlock? Find(string name) => Blocks.FirstOrDefault(b => b.Name == name);

    public override string ToString() =>
        string.Join("; ", Blocks.Select(b => $"{b.Name} [{b.Offset}, {b.Offset + b.Length}) {b.Transform}"));
}
