namespace GpuHbm.Sampling;

/// <summary>The sampler cannot proceed: no finite initial point, an improper posterior, a failed adaptation.</summary>
public class GpuHbmSamplingException : GpuHbmException
{
    public GpuHbmSamplingException(string message) : base(message) { }
}
