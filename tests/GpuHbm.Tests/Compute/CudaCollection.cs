using Xunit;

namespace GpuHbm.Tests.Compute;

/// <summary>CUDA tests share one accelerator and run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class CudaCollection
{
    public const string Name = "CUDA device";
}
