using GpuHbm.Sampling;
using Spectre.Console;

namespace GpuHbm.Cli;

/// <summary>
/// Live progress of every chain: iteration, warm-up or sampling, divergences so far. On a
/// terminal it is a Spectre.Console progress display refreshed from the latest report of each
/// chain; when stderr is redirected it prints one plain line per chain at every 10 %.
/// Reports arrive from worker threads; only the latest per chain is kept.
/// </summary>
internal sealed class ChainProgressDisplay : IProgress<ChainProgress>, IDisposable
{
    private readonly ChainProgress?[] _latest;
    private readonly int _total;
    private readonly TextWriter _plain;
    private readonly int[] _lastDecile;
    private readonly Task? _render;
    private readonly CancellationTokenSource _stop = new();
    private volatile string? _notice;

    public ChainProgressDisplay(int chains, int warmup, int draws, TextWriter error)
    {
        _latest = new ChainProgress?[chains];
        _lastDecile = Enumerable.Repeat(-1, chains).ToArray();
        _total = warmup + draws;
        _plain = error;
        bool interactive = ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("CI") is null;
        if (interactive) _render = Task.Run(RenderLive);
    }

    public void Report(ChainProgress value)
    {
        if ((uint)value.Chain >= (uint)_latest.Length) return;
        lock (_latest) _latest[value.Chain] = value;
        if (_render is not null) return;
        int decile = (int)(10L * value.Iteration / Math.Max(1, _total));
        if (Interlocked.Exchange(ref _lastDecile[value.Chain], decile) != decile)
            lock (_plain) _plain.WriteLine($"chain {value.Chain + 1}: {Describe(value)}");
    }

    private string Describe(ChainProgress p) =>
        $"iteration {p.Iteration,5}/{_total} ({(p.Phase == SamplerPhase.Warmup ? "warm-up" : "sampling")}), divergences {p.Divergences}";

    private async Task RenderLive()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .StartAsync(async ctx =>
            {
                var tasks = Enumerable.Range(0, _latest.Length).Select(c => ctx.AddTask($"chain {c + 1,-3} waiting  div {0,-5}", maxValue: _total)).ToArray();
                while (true)
                {
                    bool stopping = _stop.IsCancellationRequested;
                    for (int c = 0; c < tasks.Length; c++)
                    {
                        ChainProgress? latest;
                        lock (_latest) latest = _latest[c];
                        if (latest is not { } p) continue;
                        tasks[c].Value = p.Iteration;
                        tasks[c].Description = $"chain {c + 1,-3} {(_notice is not null ? "stopping" : p.Phase == SamplerPhase.Warmup ? "warm-up " : "sampling")} div {p.Divergences,-5}";
                    }
                    if (stopping) break;
                    try { await Task.Delay(200, _stop.Token); } catch (OperationCanceledException) { }
                }
            });
    }

    /// <summary>
    /// Marks the live rows as stopping and keeps the notice to print when the display closes
    /// (writing beside a live display garbles it); false when there is no live display.
    /// </summary>
    public bool Notify(string notice)
    {
        if (_render is null) return false;
        _notice = notice;
        return true;
    }

    /// <summary>Stops the live display after a final refresh.</summary>
    public void Complete()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        _render?.Wait();
        if (_notice is { } notice) _plain.WriteLine(notice + ".");
    }

    public void Dispose()
    {
        Complete();
        _stop.Dispose();
    }
}
