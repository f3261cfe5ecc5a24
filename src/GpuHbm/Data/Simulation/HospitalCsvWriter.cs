using System.Globalization;

namespace GpuHbm.Data.Simulation;

/// <summary>
/// Streams a <see cref="HospitalSimulation"/> as CSV: rows are drawn and formatted in chunks of
/// fixed size, a batch of chunks in parallel, and written in order, so memory stays bounded
/// and the bytes do not depend on the chunk size or the thread count.
/// </summary>
internal static class HospitalCsvWriter
{
    // hospital (<= 11) + patient (<= 10) + two doubles in "R" (<= 24 each) + four 0/1 + 7 commas + '\n'.
    private const int MaxRowChars = 96;

    public static void Write(HospitalSimulation simulation, TextWriter writer, int chunkRows, int parallelism)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkRows, 1);
        parallelism = Math.Max(1, parallelism);
        writer.Write(HospitalSimulation.Header);
        writer.Write('\n');

        int patients = simulation.Options.Patients;
        int chunks = (int)((patients + (long)chunkRows - 1) / chunkRows);
        int batch = Math.Min(chunks, 2 * parallelism);
        var buffers = new char[batch][];
        var lengths = new int[batch];
        var rows = new SimulatedPatient[batch][];
        for (int b = 0; b < batch; b++)
        {
            int n = Math.Min(chunkRows, patients);
            buffers[b] = new char[n * MaxRowChars];
            rows[b] = new SimulatedPatient[n];
        }

        var parallel = new ParallelOptions { MaxDegreeOfParallelism = parallelism };
        for (int first = 0; first < chunks; first += batch)
        {
            int count = Math.Min(batch, chunks - first);
            Parallel.For(0, count, parallel, b =>
            {
                int start = (first + b) * chunkRows;
                int n = Math.Min(chunkRows, patients - start);
                var span = rows[b].AsSpan(0, n);
                simulation.DrawPatients(start, span);
                lengths[b] = Format(simulation.HospitalLabels, span, buffers[b]);
            });
            for (int b = 0; b < count; b++) writer.Write(buffers[b], 0, lengths[b]);
        }
        writer.Flush();
    }

    private static int Format(IReadOnlyList<string> labels, ReadOnlySpan<SimulatedPatient> rows, Span<char> buffer)
    {
        var culture = CultureInfo.InvariantCulture;
        int at = 0;
        foreach (ref readonly var r in rows)
        {
            var label = labels[r.Hospital];
            label.CopyTo(buffer[at..]);
            at += label.Length;
            buffer[at++] = ',';
            (r.Index + 1).TryFormat(buffer[at..], out int w, default, culture);
            at += w;
            buffer[at++] = ',';
            r.AgeStd.TryFormat(buffer[at..], out w, "R", culture);
            at += w;
            buffer[at++] = ',';
            buffer[at++] = (char)('0' + r.Sex);
            buffer[at++] = ',';
            r.Severity.TryFormat(buffer[at..], out w, "R", culture);
            at += w;
            buffer[at++] = ',';
            buffer[at++] = (char)('0' + r.Teaching);
            buffer[at++] = ',';
            buffer[at++] = (char)('0' + r.Treat);
            buffer[at++] = ',';
            buffer[at++] = (char)('0' + r.Y);
            buffer[at++] = '\n';
        }
        return at;
    }
}
