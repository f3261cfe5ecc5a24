using System.Runtime.InteropServices;

namespace GpuHbm.Compute.Native;

/// <summary>
/// Loads the first of several candidate shared libraries that opens and has the entry points a
/// binding needs, collecting why each other candidate was passed over (for "unavailable because"
/// messages). Nothing is thrown: a machine without the library simply gets null.
/// </summary>
internal static class NativeLibraryProbe
{
    /// <param name="names">Candidate library names or paths, in order of preference.</param>
    /// <param name="bind">Creates the binding from a handle; throws <see cref="EntryPointNotFoundException"/> when an export is missing.</param>
    /// <param name="kind">What the library is, for messages ("LAPACK", "cuSOLVER").</param>
    /// <param name="problems">One line per candidate that was not used.</param>
    public static T? TryLoadFirst<T>(IEnumerable<string> names, Func<nint, string, T> bind, string kind, out List<string> problems)
        where T : class
    {
        problems = [];
        foreach (string name in names)
        {
            nint handle;
            try
            {
                if (!NativeLibrary.TryLoad(name, out handle)) { problems.Add($"{name}: not found"); continue; }
            }
            catch (Exception e) when (e is BadImageFormatException or DllNotFoundException)
            {
                problems.Add($"{name}: {e.Message}");
                continue;
            }
            try
            {
                return bind(handle, name);
            }
            catch (EntryPointNotFoundException e)
            {
                problems.Add($"{name} lacks a {kind} entry point ({e.Message})");
            }
        }
        return null;
    }
}
