using Xunit;

namespace GpuHbm.Tests.Compute;

/// <summary>The CPU-accelerator suite shares one accelerator; its tests run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class CpuAcceleratorCollection
{
    public const string Name = "CPU accelerator";
}

/// <summary>CUDA tests share one accelerator and run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class CudaCollection
{
    public const string Name = "CUDA device";
}

/// <summary>OpenCL tests share one accelerator and run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class OpenClCollection
{
    public const string Name = "OpenCL device";
}
