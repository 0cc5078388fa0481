using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Execution;
using WorkflowEngine.Knowledge;
using WorkflowStudio.Components.Pages.Workflows;

namespace WorkflowStudio.Tests.Samples;

/// <summary>The order and account router sample as a user creates it from the workflow list, on the embedded defaults
/// (built-in embeddings, offline responder, L1 cache): each question is searched in the knowledge base of its desk.</summary>
public sealed class RoutingSampleTests : StudioTestContext
{
    protected override void ConfigureServices(IServiceCollection services) => UseStudioDatabase();

    [Theory]
    [InlineData("How can I track my order?", "orders", "orders", "order-tracking.md")]
    [InlineData("I forgot my password and can't sign in", "account", "account", "login-problems.md")]
    [InlineData("Can I pay with PayPal?", "other", "help", "payment-methods.md")]
    public async Task Run_QuestionOfEachDesk_SearchesThatDesksKnowledgeBaseOnly(string question, string port, string search, string article)
    {
        // Arrange
        var created = await Service<WorkflowLibrary>().CreateFromRoutingSampleAsync();
        var knowledge = Service<KnowledgeBaseService>();
        foreach (var kb in new[] { SampleKnowledgeBase.HelpCentre, SampleKnowledgeBase.Orders, SampleKnowledgeBase.Account })
        {
            await knowledge.WaitForIndexingAsync(kb.Id);
        }

        // Act
        var result = await Service<WorkflowRunner>().RunToCompletionAsync(created.Graph, new RunRequest(created.Id, question));

        // Assert
        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(port, result["route"]!.Port);
        Assert.Equal(NodeRunStatus.Succeeded, result[search]!.Status);
        Assert.All(new[] { "orders", "account", "help" }.Where(s => s != search), s => Assert.Equal(NodeRunStatus.Skipped, result[s]!.Status));
        var chunks = result.Outputs[search].Get<List<Chunk>>("chunks")!;
        Assert.Equal(article, chunks[0].DocumentName);
        Assert.False(string.IsNullOrWhiteSpace(result.Answer));
    }

    [Fact]
    public async Task CreateFromRoutingSampleAsync_MakesTheOrdersAndAccountKnowledgeBasesFromTheHelpCentresArticles()
    {
        // Act
        var created = await Service<WorkflowLibrary>().CreateFromRoutingSampleAsync();
        var knowledge = Service<KnowledgeBaseService>();

        // Assert
        Assert.Equal(WorkflowEngine.Graphs.SampleWorkflows.RoutingBotName, created.Graph.Name);
        var orders = await knowledge.ListDocumentsAsync(SampleKnowledgeBase.Orders.Id);
        var account = await knowledge.ListDocumentsAsync(SampleKnowledgeBase.Account.Id);
        Assert.Equal(SampleKnowledgeBase.Orders.Intents.Order(), orders.Select(d => Path.GetFileNameWithoutExtension(d.Name)).Order());
        Assert.Equal(["create-account.md", "delete-account.md", "login-problems.md"], account.Select(d => d.Name).Order());
        Assert.Equal(SampleKnowledgeBase.Articles.Count, (await knowledge.ListDocumentsAsync(SampleKnowledgeBase.Id)).Count);
    }

    private sealed record Chunk(string DocumentName, string Text);
}
