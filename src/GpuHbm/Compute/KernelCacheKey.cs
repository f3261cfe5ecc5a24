namespace GpuHbm.Compute;

/// <summary>What makes two compilations the same: the program text, the options, the device.</summary>
/// <param name="SourceHash">SHA-256 of the full program text (<see cref="KernelSource.Hash"/>).</param>
/// <param name="Options">Compiler options as given.</param>
/// <param name="DeviceKey">The device (<see cref="DeviceInfo.Key"/>).</param>
public readonly record struct KernelCacheKey(string SourceHash, string Options, string DeviceKey);
