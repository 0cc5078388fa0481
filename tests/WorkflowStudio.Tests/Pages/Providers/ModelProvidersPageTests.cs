using System.Collections.Immutable;
using System.Text.Json;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using WorkflowEngine.Graphs;
using WorkflowEngine.Persistence;
using WorkflowStudio.Components.Pages.Providers;
using WorkflowStudio.Providers;

namespace WorkflowStudio.Tests.Pages.Providers;

public sealed class ModelProvidersPageTests : StudioTestContext
{
    private const string Key = "sk-page-test-0123456789wxyz";

    protected override void ConfigureServices(IServiceCollection services) => UseStudioDatabase();

    [Fact]
    public void Render_NoProviders_ShowsEmptyStateNamingTheDefault()
    {
        // Act
        var cut = RenderWithProviders<ModelProvidersPage>();

        // Assert
        var empty = cut.WaitForElement("[data-testid=providers-empty]");
        Assert.Contains("No providers yet", empty.TextContent);
        Assert.Contains("offline responder", empty.TextContent);
    }

    [Fact]
    public void AddProvider_FilledDialog_ListedWithTheKeyMaskedAndNeverInTheMarkup()
    {
        // Arrange
        var cut = RenderWithProviders<ModelProvidersPage>();
        cut.WaitForElement("[data-testid=providers-empty]");

        // Act
        cut.Find("[data-testid=add-provider]").Click();
        cut.WaitForElement("[data-testid=provider-name] input, input[data-testid=provider-name]").Input("Team OpenAI");
        cut.Find("[data-testid=provider-url] input, input[data-testid=provider-url]").Input("https://api.openai.com/v1");
        cut.Find("[data-testid=provider-model] input, input[data-testid=provider-model]").Input("gpt-4o-mini");
        cut.Find("[data-testid=provider-key] input, input[data-testid=provider-key]").Input(Key);
        cut.Find("[data-testid=provider-save]").Click();

        // Assert
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=provider-row-name]")));
        Assert.Equal("Team OpenAI", cut.Find("[data-testid=provider-row-name]").TextContent.Trim());
        Assert.Equal("••••wxyz", cut.Find("[data-testid=provider-row-key]").TextContent.Trim());
        Assert.DoesNotContain(Key, cut.Markup);
        Assert.Equal(Key, Service<ModelProviderStore>().All.Single().ApiKey);
    }

    [Fact]
    public void AddProvider_BadUrl_DialogStaysOpenWithThePlainReason()
    {
        // Arrange
        var cut = RenderWithProviders<ModelProvidersPage>();
        cut.WaitForElement("[data-testid=providers-empty]");

        // Act
        cut.Find("[data-testid=add-provider]").Click();
        cut.WaitForElement("[data-testid=provider-name] input, input[data-testid=provider-name]").Input("Broken");
        cut.Find("[data-testid=provider-url] input, input[data-testid=provider-url]").Input("localhost:11434");
        cut.Find("[data-testid=provider-save]").Click();

        // Assert
        var problem = cut.WaitForElement("[data-testid=provider-problem]");
        Assert.Contains("absolute http or https", problem.TextContent);
        Assert.Single(cut.FindAll(".mud-dialog"));
        Assert.Empty(Service<ModelProviderStore>().All);
    }

    [Fact]
    public async Task EditProvider_KeyUntouched_ShowsOnlyTheHintAndKeepsTheKey()
    {
        // Arrange
        var store = Service<ModelProviderStore>();
        var id = (await store.CreateAsync(new ModelProviderInput("Team OpenAI", "https://api.openai.com/v1", null, Key))).Provider!.Id;
        var cut = RenderWithProviders<ModelProvidersPage>();
        cut.WaitForElement("[data-testid=provider-list]");

        // Act
        cut.Find("[data-testid=edit-provider]").Click();
        var hint = cut.WaitForElement("[data-testid=provider-key-hint]").TextContent;
        var dialogMarkup = cut.Find(".mud-dialog").OuterHtml;
        cut.Find("[data-testid=provider-model] input, input[data-testid=provider-model]").Input("gpt-4o");
        cut.Find("[data-testid=provider-save]").Click();

        // Assert
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll(".mud-dialog")));
        Assert.Equal("••••wxyz", hint);
        Assert.DoesNotContain(Key, dialogMarkup);
        Assert.Equal(Key, store.Find(id)?.ApiKey);
        Assert.Equal("gpt-4o", store.Find(id)?.Model);
    }

    [Fact]
    public async Task EditProvider_HostChanged_AsksForTheKeyAgainAndNeverSendsTheStoredOneThere()
    {
        // Arrange
        var store = Service<ModelProviderStore>();
        var id = (await store.CreateAsync(new ModelProviderInput("Team OpenAI", "https://api.openai.com/v1", null, Key))).Provider!.Id;
        var cut = RenderWithProviders<ModelProvidersPage>();
        cut.WaitForElement("[data-testid=provider-list]");
        cut.Find("[data-testid=edit-provider]").Click();
        cut.WaitForElement("[data-testid=provider-key-hint]");

        // Act
        cut.Find("[data-testid=provider-url] input, input[data-testid=provider-url]").Input("https://other-host.example.com/v1");
        var warning = cut.WaitForElement("[data-testid=provider-key-reenter]").TextContent;
        var hintGone = cut.FindAll("[data-testid=provider-key-hint]").Count == 0;
        cut.Find("[data-testid=provider-key] input, input[data-testid=provider-key]").Input("sk-other-host-0123456789");
        cut.Find("[data-testid=provider-save]").Click();

        // Assert
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll(".mud-dialog")));
        Assert.Contains("enter its API key again", warning);
        Assert.True(hintGone);
        Assert.Equal("sk-other-host-0123456789", store.Find(id)?.ApiKey);
        Assert.Equal("https://other-host.example.com/v1", store.Find(id)?.BaseUrl);
    }

    [Fact]
    public async Task EditProvider_PathChangedOnly_KeepsTheKeyWithoutAsking()
    {
        // Arrange
        var store = Service<ModelProviderStore>();
        var id = (await store.CreateAsync(new ModelProviderInput("Team OpenAI", "https://api.openai.com/v1", null, Key))).Provider!.Id;
        var cut = RenderWithProviders<ModelProvidersPage>();
        cut.WaitForElement("[data-testid=provider-list]");
        cut.Find("[data-testid=edit-provider]").Click();
        cut.WaitForElement("[data-testid=provider-key-hint]");

        // Act
        cut.Find("[data-testid=provider-url] input, input[data-testid=provider-url]").Input("https://api.openai.com/v2");
        var asked = cut.FindAll("[data-testid=provider-key-reenter]").Count > 0;
        cut.Find("[data-testid=provider-save]").Click();

        // Assert
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll(".mud-dialog")));
        Assert.False(asked);
        Assert.Equal(Key, store.Find(id)?.ApiKey);
        Assert.Equal("https://api.openai.com/v2", store.Find(id)?.BaseUrl);
    }

    [Fact]
    public async Task DeleteProvider_UsedByAWorkflow_WarnsByNameThenDeletesWhenConfirmed()
    {
        // Arrange
        var store = Service<ModelProviderStore>();
        var id = (await store.CreateAsync(new ModelProviderInput("Team OpenAI", "https://api.openai.com/v1", null, Key))).Provider!.Id;
        await Service<WorkflowStore>().CreateAsync(new WorkflowGraph
        {
            Name = "Refund helper",
            Nodes = ImmutableArray.Create(new NodeDefinition("llm", "llm", "LLM", JsonSerializer.SerializeToElement(new { provider = id }), NodeCacheSettings.Disabled)),
        });
        var cut = RenderWithProviders<ModelProvidersPage>();
        cut.WaitForElement("[data-testid=provider-list]");

        // Act
        cut.Find("[data-testid=delete-provider]").Click();
        var question = cut.WaitForElement(".mud-dialog").TextContent;
        cut.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Delete").Click();

        // Assert
        Assert.Contains("Delete this provider?", question);
        Assert.Contains("“Refund helper”", question);
        cut.WaitForElement("[data-testid=providers-empty]");
        Assert.Null(store.Find(id));
    }
}
