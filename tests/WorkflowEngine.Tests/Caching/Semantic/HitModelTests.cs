using WorkflowEngine.Caching;
using WorkflowEngine.Caching.Semantic;

namespace WorkflowEngine.Tests.Caching.Semantic;

public sealed class HitModelTests
{
    [Fact]
    public void DistinctLevels_LenientAtBalancedsThreshold_OffersBalancedAndStrictOnly()
    {
        // Arrange
        var model = HitModel.Default with
        {
            Thresholds = new Dictionary<MatchStrictness, double> { [MatchStrictness.Lenient] = 0.9, [MatchStrictness.Balanced] = 0.9, [MatchStrictness.Strict] = 0.95 },
        };

        // Act
        var levels = model.DistinctLevels;

        // Assert
        Assert.Equal([MatchStrictness.Balanced, MatchStrictness.Strict], levels);
    }

    [Fact]
    public void DistinctLevels_ThreeThresholds_OffersAllThreeMostLenientFirst()
    {
        // Arrange
        var model = HitModel.Default with
        {
            Thresholds = new Dictionary<MatchStrictness, double> { [MatchStrictness.Lenient] = 0.8, [MatchStrictness.Balanced] = 0.9, [MatchStrictness.Strict] = 0.95 },
        };

        // Act
        var levels = model.DistinctLevels;

        // Assert
        Assert.Equal([MatchStrictness.Lenient, MatchStrictness.Balanced, MatchStrictness.Strict], levels);
    }

    [Fact]
    public void ToJsonFromJson_MeasuredFigures_RoundTripWithoutDerivedProperties()
    {
        // Arrange
        var measured = new MeasuredStrictness(46, 110, 58, 58, 0, "sealed part of questions-eval.json", "2026-12-07");
        var model = HitModel.Default with { Measured = new Dictionary<MatchStrictness, MeasuredStrictness> { [MatchStrictness.Strict] = measured } };

        // Act
        var json = model.ToJson();
        var read = HitModel.FromJson(json);

        // Assert
        Assert.Equal(measured, read.Measured[MatchStrictness.Strict]);
        Assert.DoesNotContain("DistinctLevels", json, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(model.Weights, read.Weights);
    }

    [Fact]
    public void Default_ShippedModel_CarriesSealedFiguresForEveryLevelItOffers()
    {
        // Act
        var model = HitModel.Default;

        // Assert: the inspector shows these; a refit without a recorded report would leave the form without figures.
        Assert.All(model.DistinctLevels, level => Assert.True(model.Measured.ContainsKey(level), $"{level} has no recorded figures"));
        Assert.All(model.Measured.Values, m => Assert.InRange(m.HitsCorrect, 0, m.Hits));
    }
}
