namespace GpuHbm.Sampling;

/// <summary>
/// Stan's windowed warm-up schedule (stan/mcmc/windowed_adaptation.hpp; Stan Reference Manual, "HMC
/// algorithm parameters — Automatic parameter tuning"), as a pure function of the warm-up length:
/// a fast initial buffer (step size only), slow windows of doubling length in which the metric is
/// estimated — the last stretched to meet the terminal buffer — and a fast terminal buffer.
/// </summary>
/// <remarks>
/// Iterations are 0-based. With fewer than 20 warm-up iterations there are no metric windows. When
/// init + base + term exceeds the warm-up length, the buffers become 15% / 10% of the warm-up (truncated
/// to integers, as Stan's unsigned arithmetic does) and one window fills the 75% between them. (Stan's
/// set_window_params omits restart() in that branch, which leaves its window end unreachable; we implement
/// the documented 15%/75%/10% partition.)
/// </remarks>
public sealed class WindowedAdaptationSchedule
{
    private readonly bool[] _inWindow;
    private readonly bool[] _windowEnd;

    public WindowedAdaptationSchedule(int warmup, int initBuffer = 75, int termBuffer = 50, int baseWindow = 25)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(warmup);
        ArgumentOutOfRangeException.ThrowIfNegative(initBuffer);
        ArgumentOutOfRangeException.ThrowIfNegative(termBuffer);
        ArgumentOutOfRangeException.ThrowIfNegative(baseWindow);
        Warmup = warmup;
        var windows = new List<(int Start, int End)>();
        if (warmup >= 20)
        {
            if ((long)initBuffer + baseWindow + termBuffer > warmup)
            {
                initBuffer = (int)(0.15 * warmup);
                termBuffer = (int)(0.10 * warmup);
                baseWindow = warmup - (initBuffer + termBuffer);
            }
            InitBuffer = initBuffer;
            TermBuffer = termBuffer;
            BaseWindow = baseWindow;
            // windowed_adaptation: restart() then compute_next_window() at each window end.
            int lastEnd = warmup - termBuffer - 1;
            int size = baseWindow;
            int start = initBuffer;
            int end = initBuffer + size - 1;
            while (baseWindow > 0 && end >= start && end <= lastEnd)
            {
                windows.Add((start, end));
                if (end == lastEnd) break;
                size *= 2;
                int next = end + size;
                if (next != lastEnd && next + 2 * size >= warmup - termBuffer) next = lastEnd;
                start = end + 1;
                end = Math.Min(next, lastEnd);
            }
        }
        Windows = windows;
        _inWindow = new bool[warmup];
        _windowEnd = new bool[warmup];
        foreach (var (s, e) in windows)
        {
            for (int i = s; i <= e; i++) _inWindow[i] = true;
            _windowEnd[e] = true;
        }
    }

    public int Warmup { get; }
    public int InitBuffer { get; }
    public int TermBuffer { get; }
    public int BaseWindow { get; }

    /// <summary>The slow windows as inclusive iteration ranges [Start, End]; the metric is updated after each End.</summary>
    public IReadOnlyList<(int Start, int End)> Windows { get; }

    /// <summary>True when iteration <paramref name="iteration"/>'s draw feeds the variance estimate (Stan's adaptation_window()).</summary>
    public bool InSlowWindow(int iteration) => iteration >= 0 && iteration < Warmup && _inWindow[iteration];

    /// <summary>True when the metric is updated after iteration <paramref name="iteration"/> (Stan's end_adaptation_window()).</summary>
    public bool IsWindowEnd(int iteration) => iteration >= 0 && iteration < Warmup && _windowEnd[iteration];
}
