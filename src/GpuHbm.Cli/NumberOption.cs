using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace GpuHbm.Cli;

/// <summary>
/// Numeric options whose parse errors speak the user's language ("--seed must be a whole number from 0 to
/// 18446744073709551615; 'abc' is not one") instead of naming .NET types. Ranges that depend on the model or on
/// other options are checked later by <see cref="FitOptions"/>.
/// </summary>
internal static class NumberOption
{
    public static Option<int> Int(string name, string description, int defaultValue) =>
        new(name) { Description = description, DefaultValueFactory = _ => defaultValue, CustomParser = r => ParseInt(r, name) ?? defaultValue };

    public static Option<int?> NullableInt(string name, string description) =>
        new(name) { Description = description, CustomParser = r => ParseInt(r, name) };

    public static Option<ulong?> NullableUInt64(string name, string description) =>
        new(name)
        {
            Description = description,
            CustomParser = r =>
            {
                string text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
                if (ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong v)) return v;
                r.AddError($"{name} must be a whole number from 0 to {ulong.MaxValue}; '{text}' is not one");
                return null;
            },
        };

    public static Option<double> Double(string name, string description, double defaultValue) =>
        new(name)
        {
            Description = description,
            DefaultValueFactory = _ => defaultValue,
            CustomParser = r =>
            {
                string text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v)) return v;
                r.AddError($"{name} must be a number such as {defaultValue.ToString(CultureInfo.InvariantCulture)}; '{text}' is not one");
                return defaultValue;
            },
        };

    private static int? ParseInt(ArgumentResult r, string name)
    {
        string text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v)) return v;
        bool huge = text.Length > 0 && text.TrimStart('-', '+').All(char.IsAsciiDigit);
        r.AddError(huge
            ? $"{name} {text} is too large: it must be at most {int.MaxValue}"
            : $"{name} must be a whole number; '{text}' is not one");
        return null;
    }
}
