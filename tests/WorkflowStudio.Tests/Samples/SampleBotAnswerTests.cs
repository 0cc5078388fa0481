using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Execution;
using WorkflowEngine.Knowledge;
using WorkflowStudio.Samples;

namespace WorkflowStudio.Tests.Samples;

/// <summary>What a first-time user sees: the sample FAQ bot, on the embedded defaults (offline responder, L1 cache), answering
/// the test chat's example questions from the right article.</summary>
public sealed class SampleBotAnswerTests : StudioTestContext
{
    protected override void ConfigureServices(IServiceCollection services) => UseStudioDatabase();

    [Theory]
    [InlineData("How do I get a refund?", "To get a refund, start a return")]
    [InlineData("Can I pay with PayPal?", "PayPal")]
    [InlineData("退款要多久？", "工作日")]
    public async Task Run_ExampleQuestion_OfflineAnswerQuotesTheArticleThatAnswersIt(string question, string expected)
    {
        // Arrange
        var bot = await Service<StudioSamples>().SeedAsync();
        await Service<KnowledgeBaseService>().WaitForIndexingAsync(SampleKnowledgeBase.Id);

        // Act
        var result = await Service<WorkflowRunner>().RunToCompletionAsync(bot.Graph, new RunRequest(bot.Id, question));

        // Assert
        Assert.True(result.Succeeded, result.Error);
        Assert.True(result.Answer?.Contains(expected, StringComparison.Ordinal), result.Answer);
    }
}
