namespace GpuHbm.Kernels;

/// <summary>
/// Up to <see cref="Capacity"/> per-chain dot products to take in one launch: pair k is (slot A_k, slot B_k),
/// weighted by the inverse metric when W_k ≠ 0. Passed by value, so a launch needs no upload.
/// </summary>
public struct SlotPairs
{
    /// <summary>The most pairs one launch takes.</summary>
    public const int Capacity = 8;

    public int Count;
    public int A0, B0, W0, A1, B1, W1, A2, B2, W2, A3, B3, W3, A4, B4, W4, A5, B5, W5, A6, B6, W6, A7, B7, W7;

    /// <summary>Pair <paramref name="k"/>'s slots and weight flag.</summary>
    public readonly void Get(int k, out int a, out int b, out int weighted)
    {
        switch (k)
        {
            case 0: a = A0; b = B0; weighted = W0; break;
            case 1: a = A1; b = B1; weighted = W1; break;
            case 2: a = A2; b = B2; weighted = W2; break;
            case 3: a = A3; b = B3; weighted = W3; break;
            case 4: a = A4; b = B4; weighted = W4; break;
            case 5: a = A5; b = B5; weighted = W5; break;
            case 6: a = A6; b = B6; weighted = W6; break;
            default: a = A7; b = B7; weighted = W7; break;
        }
    }

    /// <summary>Sets pair <paramref name="k"/> (host side).</summary>
    public void Set(int k, int a, int b, bool weighted)
    {
        int w = weighted ? 1 : 0;
        switch (k)
        {
            case 0: A0 = a; B0 = b; W0 = w; break;
            case 1: A1 = a; B1 = b; W1 = w; break;
            case 2: A2 = a; B2 = b; W2 = w; break;
            case 3: A3 = a; B3 = b; W3 = w; break;
            case 4: A4 = a; B4 = b; W4 = w; break;
            case 5: A5 = a; B5 = b; W5 = w; break;
            case 6: A6 = a; B6 = b; W6 = w; break;
            case 7: A7 = a; B7 = b; W7 = w; break;
            default: throw new ArgumentOutOfRangeException(nameof(k), $"a launch takes at most {Capacity} pairs");
        }
    }
}
