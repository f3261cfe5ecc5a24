using System.Globalization;
using System.Text;
using GpuHbm.Kernels;

namespace GpuHbm.Data.Simulation;

/// <summary>
/// Synthetic patients nested in hospitals with a binary outcome: the large-data workload for
/// benchmarks and the data of parameter-recovery tests. The generating model, with
/// N = <see cref="HospitalSimulationOptions.Patients"/>, G = <see cref="HospitalSimulationOptions.Hospitals"/>
/// and the values of <see cref="SimulatedTruth.Default"/>:
/// <code>
/// hospitals g = 1..G (label "H0001", ..., zero-padded to max(4, digits of G)):
///   z_g ~ N(0,1),  w_g = exp(0.8 z_g)
///   n_g = 1 + C_g - C_(g-1),  C_g = round((N - G) * (w_1 + ... + w_g) / (w_1 + ... + w_G)),  C_0 = 0
///         (so every n_g >= 1 and n_1 + ... + n_G = N exactly)
///   teaching_g ~ Bernoulli(0.3)
///   (u0_g, u1_g) ~ N(0, Sigma),  Sigma = [[0.5^2, -0.4*0.5*0.3], [-0.4*0.5*0.3, 0.3^2]]
///         drawn as u0 = 0.5 e1,  u1 = 0.3 (-0.4 e1 + sqrt(1 - 0.16) e2),  e1, e2 ~ N(0,1)
/// patients i = 1..N, in hospital order (the first n_1 in hospital 1, ...):
///   age_std_i ~ N(0,1),  severity_i ~ N(0,1),  sex_i ~ Bernoulli(0.5),  treat_i ~ Bernoulli(0.5)
///   logit P(y_i = 1) = -1.0 + 0.4 age_std_i - 0.2 sex_i + 0.8 severity_i + 0.3 teaching_g
///                      + (-0.5 + u1_g) treat_i + u0_g
///   y_i ~ Bernoulli(P(y_i = 1))
/// </code>
/// Columns: hospital, patient (1..N), age_std, sex, severity, teaching, treat, y. The model that
/// fits it is <see cref="Formula"/> with family bernoulli.
/// </summary>
/// <remarks>
/// Random numbers are Philox4x32-10 keyed by the seed, with counter (c0, c1, c2, c3) =
/// (entity index, slot, stream, <see cref="RandomPurpose.Simulation"/>): stream 0 = patient
/// (slot 0: Box–Muller pair → age_std, severity; slot 1: sex, treat; slot 2: y), stream 1 =
/// hospital (slot 0: Box–Muller pair → e1, e2; slot 1: teaching; slot 2: Box–Muller → z_g).
/// Each row therefore depends only on (seed, patient index, its hospital), so the data can be
/// generated in parallel chunks and are the same whatever the chunking or thread count.
/// Numbers are written with the invariant round-trip format "R"; lines end with "\n".
/// Byte-identical output is guaranteed for the same (N, G, seed) on the same runtime; Math.Exp,
/// Log, Sin and Cos may differ in the last bit between platforms.
/// </remarks>
public sealed class HospitalSimulation
{
    /// <summary>The GpuHbm formula matching the generating model.</summary>
    public const string Formula = "y ~ 1 + age_std + sex + severity + teaching + treat + (1 + treat | hospital)";

    /// <summary>The response family of the generating model.</summary>
    public const string Family = "bernoulli";

    /// <summary>The standard deviation of log hospital weights: w_g = exp(0.8 z_g).</summary>
    public const double SizeLogSd = 0.8;

    /// <summary>P(teaching_g = 1).</summary>
    public const double TeachingProbability = 0.3;

    /// <summary>P(sex_i = 1).</summary>
    public const double SexProbability = 0.5;

    /// <summary>P(treat_i = 1).</summary>
    public const double TreatProbability = 0.5;

    /// <summary>The CSV header line.</summary>
    public const string Header = "hospital,patient,age_std,sex,severity,teaching,treat,y";

    internal const uint PatientStream = 0, HospitalStream = 1;
    internal const int DefaultChunkRows = 16_384;

    private readonly int[] _sizes;
    private readonly int[] _offsets; // G + 1 entries: first patient index of each hospital, then N
    private readonly string[] _labels;

    public HospitalSimulationOptions Options { get; }

    /// <summary>The true parameter values (always <see cref="SimulatedTruth.Default"/>).</summary>
    public SimulatedTruth Truth { get; } = SimulatedTruth.Default;

    /// <summary>The formula to fit to the data, <see cref="Formula"/>.</summary>
    public string FormulaText => Formula;

    /// <summary>n_g: patients in each hospital (sums to N, each at least 1).</summary>
    public IReadOnlyList<int> HospitalSizes => _sizes;

    /// <summary>Hospital labels "H0001", ...</summary>
    public IReadOnlyList<string> HospitalLabels => _labels;

    /// <summary>The drawn varying intercepts u0_g (for tests).</summary>
    internal double[] InterceptEffects { get; }

    /// <summary>The drawn varying treatment effects u1_g (for tests).</summary>
    internal double[] TreatEffects { get; }

    /// <summary>The drawn teaching_g ∈ {0, 1}.</summary>
    internal int[] Teaching { get; }

    /// <param name="options">N, G and seed; G &lt; 1 or N &lt; G is a <see cref="GpuHbmException"/>.</param>
    public HospitalSimulation(HospitalSimulationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Hospitals < 1)
            throw new GpuHbmException($"The number of hospitals must be at least 1, but it is {options.Hospitals}.");
        if (options.Patients < options.Hospitals)
            throw new GpuHbmException($"The number of patients ({options.Patients}) must be at least the number of hospitals ({options.Hospitals}), so that every hospital has a patient.");
        Options = options;

        int g = options.Hospitals;
        ulong seed = options.Seed;
        var truth = Truth;
        InterceptEffects = new double[g];
        TreatEffects = new double[g];
        Teaching = new int[g];
        var weights = new double[g];
        double cholesky = Math.Sqrt(1.0 - truth.CorInterceptTreat * truth.CorInterceptTreat);
        for (int h = 0; h < g; h++)
        {
            var (e1, e2) = NormalPair(seed, HospitalStream, 0, (uint)h);
            InterceptEffects[h] = truth.SdIntercept * e1;
            TreatEffects[h] = truth.SdTreat * (truth.CorInterceptTreat * e1 + cholesky * e2);
            Teaching[h] = Draw(seed, HospitalStream, 1, (uint)h).U0 < TeachingProbability ? 1 : 0;
            weights[h] = Math.Exp(SizeLogSd * NormalPair(seed, HospitalStream, 2, (uint)h).Z0);
        }

        _sizes = AllocateSizes(options.Patients, weights);
        _offsets = new int[g + 1];
        for (int h = 0; h < g; h++) _offsets[h + 1] = _offsets[h] + _sizes[h];

        int width = Math.Max(4, g.ToString(CultureInfo.InvariantCulture).Length);
        _labels = new string[g];
        for (int h = 0; h < g; h++) _labels[h] = "H" + (h + 1).ToString(CultureInfo.InvariantCulture).PadLeft(width, '0');
    }

    /// <summary>
    /// n_g = 1 + C_g − C_(g−1) with C_g the rounded cumulative share of the N − G patients left
    /// after one each: systematic rounding, so sizes are at least 1 and sum to N exactly.
    /// </summary>
    internal static int[] AllocateSizes(int patients, IReadOnlyList<double> weights)
    {
        int g = weights.Count;
        double total = 0;
        foreach (var w in weights) total += w;
        long remaining = patients - (long)g;
        var sizes = new int[g];
        double cumulative = 0;
        long previous = 0;
        for (int h = 0; h < g; h++)
        {
            cumulative += weights[h];
            long c = h == g - 1 ? remaining : (long)Math.Floor(remaining * (cumulative / total) + 0.5);
            c = Math.Clamp(c, previous, remaining);
            sizes[h] = 1 + (int)(c - previous);
            previous = c;
        }
        return sizes;
    }

    /// <summary>
    /// Draws patients <paramref name="start"/> .. start + rows.Length − 1 (0-based) into
    /// <paramref name="rows"/>; each depends only on the seed, its index and its hospital.
    /// </summary>
    internal void DrawPatients(int start, Span<SimulatedPatient> rows)
    {
        if (start < 0 || start + (long)rows.Length > Options.Patients)
            throw new ArgumentOutOfRangeException(nameof(start));
        if (rows.IsEmpty) return;
        ulong seed = Options.Seed;
        var t = Truth;
        int hospital = HospitalOf(start);
        for (int k = 0; k < rows.Length; k++)
        {
            int i = start + k;
            while (i >= _offsets[hospital + 1]) hospital++;
            var (age, severity) = NormalPair(seed, PatientStream, 0, (uint)i);
            var (us, ut) = Draw(seed, PatientStream, 1, (uint)i);
            int sex = us < SexProbability ? 1 : 0;
            int treat = ut < TreatProbability ? 1 : 0;
            int teaching = Teaching[hospital];
            double eta = t.Intercept + t.AgeStd * age + t.Sex * sex + t.Severity * severity + t.Teaching * teaching
                         + (t.Treat + TreatEffects[hospital]) * treat + InterceptEffects[hospital];
            double p = 1.0 / (1.0 + Math.Exp(-eta));
            int y = Draw(seed, PatientStream, 2, (uint)i).U0 < p ? 1 : 0;
            rows[k] = new SimulatedPatient(i, hospital, age, sex, severity, teaching, treat, y);
        }
    }

    /// <summary>The 0-based hospital of 0-based patient <paramref name="patient"/>.</summary>
    internal int HospitalOf(int patient)
    {
        int found = Array.BinarySearch(_offsets, patient);
        return found >= 0 ? found : ~found - 1;
    }

    /// <summary>Writes the header and all N rows (streamed in chunks, generated in parallel).</summary>
    public void WriteCsv(TextWriter writer) => HospitalCsvWriter.Write(this, writer, DefaultChunkRows, Environment.ProcessorCount);

    /// <summary>Writes the CSV to <paramref name="path"/> (UTF-8, no BOM); an unwritable path is a <see cref="GpuHbmException"/>.</summary>
    public void WriteCsv(string path) =>
        WriteFile(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16);
            WriteCsv(writer);
        });

    /// <summary>The path of the truth file next to a CSV: <paramref name="csvPath"/> + ".truth.json".</summary>
    public static string TruthPathFor(string csvPath) => csvPath + ".truth.json";

    /// <summary>The truth as JSON (see <see cref="SimulatedTruthJson"/>).</summary>
    public string TruthJson() => SimulatedTruthJson.Write(this);

    /// <summary>Writes <see cref="TruthJson"/> to <paramref name="path"/>; an unwritable path is a <see cref="GpuHbmException"/>.</summary>
    public void WriteTruthJson(string path) =>
        WriteFile(path, stream => stream.Write(new UTF8Encoding(false).GetBytes(TruthJson())));

    /// <summary>The generating model with the true values, the formula and the true values under their reported names.</summary>
    public string Describe()
    {
        var t = Truth;
        var o = Options;
        string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        string Signed(double v) => v < 0 ? $"- {F(-v)}" : $"+ {F(v)}";
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"Simulated hospitals: N = {o.Patients} patients in G = {o.Hospitals} hospitals, seed {o.Seed}\n");
        sb.Append("Generating model:\n");
        sb.Append(CultureInfo.InvariantCulture, $"  hospital sizes  n_g = 1 + round((N - G) * cumulative share of w_g), w_g = exp({F(SizeLogSd)} z_g), z_g ~ N(0,1)\n");
        sb.Append(CultureInfo.InvariantCulture, $"                  (smallest {_sizes.Min()}, largest {_sizes.Max()})\n");
        sb.Append(CultureInfo.InvariantCulture, $"  teaching_g      ~ Bernoulli({F(TeachingProbability)})\n");
        sb.Append(CultureInfo.InvariantCulture, $"  (u0_g, u1_g)    ~ N(0, Sigma), sd(u0) = {F(t.SdIntercept)}, sd(u1) = {F(t.SdTreat)}, cor(u0, u1) = {F(t.CorInterceptTreat)}\n");
        sb.Append(CultureInfo.InvariantCulture, $"  age_std_i, severity_i ~ N(0,1); sex_i ~ Bernoulli({F(SexProbability)}); treat_i ~ Bernoulli({F(TreatProbability)})\n");
        sb.Append(CultureInfo.InvariantCulture, $"  logit P(y_i = 1) = {F(t.Intercept)} {Signed(t.AgeStd)} age_std {Signed(t.Sex)} sex {Signed(t.Severity)} severity {Signed(t.Teaching)} teaching\n");
        sb.Append(CultureInfo.InvariantCulture, $"                     + ({F(t.Treat)} + u1_g) treat + u0_g\n");
        sb.Append("  y_i ~ Bernoulli(P(y_i = 1))\n");
        sb.Append(CultureInfo.InvariantCulture, $"Formula: {Formula}   (family {Family})\n");
        sb.Append("True values:\n");
        foreach (var (name, value) in t.Parameters)
            sb.Append(CultureInfo.InvariantCulture, $"  {name,-32}{F(value)}\n");
        return sb.ToString();
    }

    /// <summary>Two uniforms on (0,1) from one Philox block at (index, slot, stream, Simulation).</summary>
    internal static (double U0, double U1) Draw(ulong seed, uint stream, uint slot, uint index) =>
        Philox.Uniforms(seed, stream, slot, RandomPurpose.Simulation, index);

    /// <summary>Two independent standard normals by Box–Muller (cos, sin) from one block.</summary>
    internal static (double Z0, double Z1) NormalPair(ulong seed, uint stream, uint slot, uint index)
    {
        var (u0, u1) = Draw(seed, stream, slot, index);
        double r = Math.Sqrt(-2.0 * Math.Log(u0));
        double theta = 2.0 * Math.PI * u1;
        return (r * Math.Cos(theta), r * Math.Sin(theta));
    }

    private static void WriteFile(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
            write(stream);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new GpuHbmException($"Cannot write '{path}': {e.Message}", e);
        }
    }
}
