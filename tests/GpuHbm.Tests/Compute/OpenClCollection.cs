using Xunit;

namespace GpuHbm.Tests.Compute;

/// <summary>OpenCL tests share one accelerator and run one at a time (PoCL already uses every core).</summary>
[CollectionDefinition(Name)]
public sealed class OpenClCollection
{
    public const string Name = "OpenCL device";
}
