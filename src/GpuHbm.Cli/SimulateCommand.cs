using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using GpuHbm.Data.Simulation;

namespace GpuHbm.Cli;

/// <summary>
/// <c>gpuhbm simulate hospitals --patients N --hospitals G --seed S --output FILE</c>: writes the
/// synthetic hospital data of <see cref="HospitalSimulation"/> to FILE and the true values to
/// FILE.truth.json, and prints the generating model with the true values.
/// </summary>
public static class SimulateCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var simulate = new Command("simulate", "Write synthetic data sets with known true parameter values.");
        simulate.Subcommands.Add(CreateHospitals(output, error));
        simulate.Subcommands.Add(CreateCrossed(output, error));
        return simulate;
    }

    /// <summary><c>gpuhbm simulate crossed --rows N --students S --instructors I --departments K --seed S -o FILE</c> (<see cref="CrossedSimulation"/>).</summary>
    private static Command CreateCrossed(TextWriter output, TextWriter error)
    {
        var defaults = new CrossedSimulationOptions();
        var rows = new Option<int>("--rows") { Description = "Number of ratings N (rows).", DefaultValueFactory = _ => defaults.Rows };
        var students = new Option<int>("--students") { Description = "Students (one crossed factor).", DefaultValueFactory = _ => defaults.Students };
        var instructors = new Option<int>("--instructors") { Description = "Instructors (the other crossed factor).", DefaultValueFactory = _ => defaults.Instructors };
        var departments = new Option<int>("--departments") { Description = "Departments (instructors are nested in them).", DefaultValueFactory = _ => defaults.Departments };
        var seed = new Option<ulong>("--seed") { Description = "Random seed; the same sizes and seed give the same file byte for byte.", DefaultValueFactory = _ => 1UL };
        var file = new Option<string>("--output", "-o") { Description = "CSV file to write.", Required = true };
        var command = new Command("crossed",
            "Ratings of instructors by students (crossed factors, like lme4's InstEval) with a department level; fit with: "
            + CrossedSimulation.Formula + ", family gaussian.")
        {
            rows, students, instructors, departments, seed, file,
        };
        command.SetAction(parse =>
        {
            try
            {
                var clock = Stopwatch.StartNew();
                var simulation = new CrossedSimulation(new CrossedSimulationOptions
                {
                    Rows = parse.GetValue(rows), Students = parse.GetValue(students), Instructors = parse.GetValue(instructors),
                    Departments = parse.GetValue(departments), Seed = parse.GetValue(seed),
                });
                string path = parse.GetValue(file)!;
                using (var writer = new StreamWriter(path)) simulation.WriteCsv(writer);
                output.Write(simulation.Describe());
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Wrote {simulation.Data.RowCount} rows to {path} in {clock.Elapsed.TotalSeconds:F2} s."));
                return 0;
            }
            catch (GpuHbmException e)
            {
                error.WriteLine("error: " + e.Message);
                return 1;
            }
        });
        return command;
    }

    private static Command CreateHospitals(TextWriter output, TextWriter error)
    {
        var patients = new Option<int>("--patients")
        {
            Description = "Number of patients N (rows); at least the number of hospitals.",
            DefaultValueFactory = _ => 100_000,
        };
        var hospitals = new Option<int>("--hospitals")
        {
            Description = "Number of hospitals G (groups, of unequal sizes); at least 1.",
            DefaultValueFactory = _ => 500,
        };
        var seed = new Option<ulong>("--seed")
        {
            Description = "Random seed; the same N, G and seed give the same file byte for byte.",
            DefaultValueFactory = _ => 1UL,
        };
        var file = new Option<string>("--output", "-o")
        {
            Description = "CSV file to write; the true values go to FILE.truth.json.",
            Required = true,
        };
        var command = new Command("hospitals",
            "Patients in hospitals with a binary outcome, a treatment whose effect varies by hospital and a hospital-level covariate; "
            + "fit with: " + HospitalSimulation.Formula + ", family bernoulli.")
        {
            patients, hospitals, seed, file,
        };
        command.SetAction(parse => Run(
            parse.GetValue(patients), parse.GetValue(hospitals), parse.GetValue(seed), parse.GetValue(file)!, output, error));
        return command;
    }

    private static int Run(int patients, int hospitals, ulong seed, string path, TextWriter output, TextWriter error)
    {
        if (hospitals < 1)
        {
            error.WriteLine($"error: --hospitals must be at least 1, but it is {hospitals}.");
            return 1;
        }
        if (patients < hospitals)
        {
            error.WriteLine($"error: --patients ({patients}) must be at least --hospitals ({hospitals}), so that every hospital has a patient.");
            return 1;
        }
        try
        {
            var clock = Stopwatch.StartNew();
            var simulation = new HospitalSimulation(new HospitalSimulationOptions(patients, hospitals, seed));
            simulation.WriteCsv(path);
            string truthPath = HospitalSimulation.TruthPathFor(path);
            simulation.WriteTruthJson(truthPath);
            output.Write(simulation.Describe());
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Wrote {patients} rows to {path} and the true values to {truthPath} in {clock.Elapsed.TotalSeconds:F2} s."));
            return 0;
        }
        catch (GpuHbmException e)
        {
            error.WriteLine("error: " + e.Message);
            return 1;
        }
    }
}
