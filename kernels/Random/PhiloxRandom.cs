namespace GpuHbm.Kernels;

/// <summary>
/// A <see cref="Random"/> whose numbers come from Philox4x32-10 under a fixed key and counter
/// (seed; c1, c2, purpose), c0 counting the blocks used: a reproducible stream per (draw, row) that
/// library samplers taking a <see cref="Random"/> (MathNet's binomial and Poisson) can use.
/// <see cref="Reset"/> moves the same object to another stream without allocating.
/// </summary>
public sealed class PhiloxRandom : Random
{
    private readonly ulong _seed;
    private readonly RandomPurpose _purpose;
    private uint _c1, _c2, _block;
    private double _spare;
    private bool _hasSpare;

    public PhiloxRandom(ulong seed, RandomPurpose purpose, uint c2 = 0, uint c1 = 0)
    {
        _seed = seed;
        _purpose = purpose;
        Reset(c2, c1);
    }

    /// <summary>Starts the stream (c2, c1) from its beginning.</summary>
    public void Reset(uint c2, uint c1)
    {
        _c2 = c2;
        _c1 = c1;
        _block = 0;
        _hasSpare = false;
    }

    /// <summary>A uniform on the open interval (0, 1) with 53 random bits.</summary>
    public override double NextDouble()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spare;
        }
        var (u0, u1) = Philox.Uniforms(_seed, _c2, _c1, _purpose, _block++);
        _spare = u1;
        _hasSpare = true;
        return u0;
    }

    protected override double Sample() => NextDouble();

    public override int Next() => (int)(NextDouble() * int.MaxValue);

    public override int Next(int maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxValue);
        return (int)(NextDouble() * maxValue);
    }

    public override int Next(int minValue, int maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minValue, maxValue);
        return minValue + (int)(NextDouble() * ((long)maxValue - minValue));
    }

    public override void NextBytes(byte[] buffer) => NextBytes(buffer.AsSpan());

    public override void NextBytes(Span<byte> buffer)
    {
        for (int i = 0; i < buffer.Length; i++) buffer[i] = (byte)(NextDouble() * 256);
    }
}
