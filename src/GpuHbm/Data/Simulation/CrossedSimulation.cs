using System.Globalization;
using System.Text;

namespace GpuHbm.Data.Simulation;

/// <summary>
/// Size and seed of a <see cref="CrossedSimulation"/>. The defaults have the shape of lme4's InstEval data (73,421
/// ratings of 1,128 instructors by 2,972 students in 14 departments): 75,000 rows, 3,000 students, 1,100 instructors,
/// 14 departments.
/// </summary>
public sealed record CrossedSimulationOptions
{
    public int Rows { get; init; } = 75_000;
    public int Students { get; init; } = 3_000;
    public int Instructors { get; init; } = 1_100;
    public int Departments { get; init; } = 14;
    public ulong Seed { get; init; } = 1;
}

/// <summary>
/// A crossed design like the instructor-evaluation data (lme4's InstEval): every row is one student's rating of one
/// instructor, students and instructors are crossed (each student rates several instructors, each instructor is rated
/// by many students), and each instructor belongs to one department. The workload of the memory-speed density
/// benchmark (issue 12). Model (true values near lme4's fit of InstEval):
/// <code>
/// u_s ~ N(0, 0.32²), v_d ~ N(0, 0.52²), w_k ~ N(0, 0.08²), service_i ~ Bernoulli(0.4)
/// y_i = 3.2 − 0.07·service_i + u_s[i] + v_d[i] + w_dept(d[i]) + ε_i,  ε_i ~ N(0, 1.18²)
/// </code>
/// Rows are sorted by student (as InstEval), about Rows/Students consecutive rows each; the instructor of a row is
/// uniform over all instructors, so the instructor index jumps from row to row; instructor d belongs to department
/// d mod Departments. Fit with <see cref="Formula"/>, family gaussian. Random numbers: Philox keyed by the seed,
/// counter (index, slot, stream, <c>RandomPurpose.Simulation</c>) with stream 4 = rows, 5 = students, 6 = instructors,
/// 7 = departments.
/// </summary>
public sealed class CrossedSimulation
{
    /// <summary>The formula that matches the generating model.</summary>
    public const string Formula = "y ~ 1 + service + (1 | s) + (1 | d) + (1 | dept)";

    public const double Intercept = 3.2, Service = -0.07, StudentSd = 0.32, InstructorSd = 0.52, DepartmentSd = 0.08, Sigma = 1.18;
    public const double ServiceProbability = 0.4;

    public CrossedSimulationOptions Options { get; }

    /// <summary>The data: columns s, d, dept, service, y.</summary>
    public DataTable Data { get; }

    /// <summary>The generating values by brms name (b_Intercept, b_service, sd_s__Intercept, sd_d__Intercept, sd_dept__Intercept, sigma).</summary>
    public IReadOnlyList<(string Name, double Value)> Truth { get; } =
    [
        ("b_Intercept", Intercept), ("b_service", Service), ("sd_s__Intercept", StudentSd), ("sd_d__Intercept", InstructorSd),
        ("sd_dept__Intercept", DepartmentSd), ("sigma", Sigma),
    ];

    public CrossedSimulation(CrossedSimulationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Students < 1 || options.Instructors < 1 || options.Departments < 1)
            throw new GpuHbmException("a crossed design needs at least one student, instructor and department");
        if (options.Rows < Math.Max(options.Students, options.Instructors))
            throw new GpuHbmException($"--rows ({options.Rows}) must be at least the number of students and of instructors");
        Options = options;
        int n = options.Rows;
        ulong seed = options.Seed;
        var u = Effects(seed, 5, options.Students, StudentSd);
        var v = Effects(seed, 6, options.Instructors, InstructorSd);
        var w = Effects(seed, 7, options.Departments, DepartmentSd);
        string Label(string prefix, int i, int count) =>
            prefix + (i + 1).ToString(CultureInfo.InvariantCulture).PadLeft(count.ToString(CultureInfo.InvariantCulture).Length, '0');
        var s = new string?[n];
        var d = new string?[n];
        var dept = new string?[n];
        var service = new string?[n];
        var y = new string?[n];
        for (int i = 0; i < n; i++)
        {
            int student = (int)((long)i * options.Students / n);
            var (ud, us) = HospitalSimulation.Draw(seed, 4, 0, (uint)i);
            // The first Instructors rows cover every instructor once; the rest draw uniformly.
            int instructor = i < options.Instructors ? (int)((long)i * 7919 % options.Instructors) : Math.Min(options.Instructors - 1, (int)(ud * options.Instructors));
            int department = instructor % options.Departments;
            int serviceValue = us < ServiceProbability ? 1 : 0;
            var (noise, _) = HospitalSimulation.NormalPair(seed, 4, 1, (uint)i);
            double yi = Intercept + Service * serviceValue + u[student] + v[instructor] + w[department] + Sigma * noise;
            s[i] = Label("S", student, options.Students);
            d[i] = Label("I", instructor, options.Instructors);
            dept[i] = Label("D", department, options.Departments);
            service[i] = serviceValue.ToString(CultureInfo.InvariantCulture);
            y[i] = yi.ToString("R", CultureInfo.InvariantCulture);
        }
        Data = new DataTable([new DataColumn("s", s), new DataColumn("d", d), new DataColumn("dept", dept), new DataColumn("service", service), new DataColumn("y", y)],
            $"simulated crossed design (N = {n}, {options.Students} students × {options.Instructors} instructors, {options.Departments} departments, seed {seed})");
    }

    private static double[] Effects(ulong seed, uint stream, int count, double sd)
    {
        var e = new double[count];
        for (int j = 0; j < count; j++) e[j] = sd * HospitalSimulation.NormalPair(seed, stream, 0, (uint)j).Z0;
        return e;
    }

    /// <summary>Writes the data as CSV (header s,d,dept,service,y).</summary>
    public void WriteCsv(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var columns = new[] { "s", "d", "dept", "service", "y" }.Select(c => Data[c]).ToArray();
        writer.Write("s,d,dept,service,y\n");
        var line = new StringBuilder();
        for (int i = 0; i < Data.RowCount; i++)
        {
            line.Clear();
            for (int c = 0; c < columns.Length; c++)
            {
                if (c > 0) line.Append(',');
                line.Append(columns[c].Raw[i]);
            }
            line.Append('\n');
            writer.Write(line);
        }
    }

    /// <summary>The generating model and true values, for the CLI.</summary>
    public string Describe()
    {
        var o = Options;
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"Crossed design: {o.Rows} ratings by {o.Students} students of {o.Instructors} instructors in {o.Departments} departments (seed {o.Seed})\n");
        sb.Append(CultureInfo.InvariantCulture, $"  y = {Intercept} {Service:+0.##;-0.##} service + u_s + v_d + w_dept + e,  service ~ Bernoulli({ServiceProbability})\n");
        sb.Append(CultureInfo.InvariantCulture, $"Formula: {Formula}   (family gaussian)\nTrue values:\n");
        foreach (var (name, value) in Truth) sb.Append(CultureInfo.InvariantCulture, $"  {name,-24}{value}\n");
        return sb.ToString();
    }
}
