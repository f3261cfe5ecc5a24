using GpuHbm.Models.Kinship;
using Xunit;

namespace GpuHbm.Tests.Models.Kinship;

public class RelationshipMatrixReaderTests
{
    [Fact]
    public void Dispatches_on_the_file_kind()
    {
        var g = GenotypeSimulator.Simulate(new GenotypeSimulationSettings(Families: 3, ChildrenPerFamily: 2, Unrelated: 4, Snps: 400, Seed: 1));
        string prefix = KinshipTestData.TempPrefix("geno");
        PlinkBedWriter.Write(prefix, g);
        var fromBed = RelationshipMatrixReader.Read(prefix + ".bed");
        Assert.Equal(g.IndividualIds, fromBed.Ids);
        Assert.Equal(fromBed.ToArray(), RelationshipMatrixReader.Read(prefix).ToArray());

        GrmWriter.Write(prefix, fromBed);
        var fromGrm = RelationshipMatrixReader.Read(prefix + ".grm.bin");
        Assert.Equal((double)(float)fromBed[3, 1], fromGrm[3, 1]);

        // A GRM from 400 SNPs is indefinite beyond the CSV default of 1e-6 (λmin/λmax ≈ −7.7e-3).
        RelationshipCsvReader.Write(prefix + ".csv", fromBed);
        Assert.Throws<GpuHbmDataException>(() => RelationshipMatrixReader.Read(prefix + ".csv"));
        Assert.Equal(fromBed.ToArray(), RelationshipMatrixReader.Read(prefix + ".csv", psdTolerance: 2e-2).ToArray());

        var ex = Assert.Throws<GpuHbmDataException>(() => RelationshipMatrixReader.Read(prefix + ".txt"));
        Assert.Contains("geno.txt", ex.Message);
    }
}
