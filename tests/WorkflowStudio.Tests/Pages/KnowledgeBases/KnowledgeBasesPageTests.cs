using Bunit;
using Bunit.Rendering;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using WorkflowEngine.Graphs;
using WorkflowEngine.Knowledge;
using WorkflowEngine.Persistence;
using WorkflowStudio.Components.Pages.KnowledgeBases;

namespace WorkflowStudio.Tests.Pages.KnowledgeBases;

/// <summary>The page against the real knowledge-base service (migrated SQLite file, built-in embedding model).</summary>
public sealed class KnowledgeBasesPageTests : StudioTestContext
{
    // One loaded model for all tests in this class (about a second to load); the container does not dispose an instance it was given.
    private static readonly MiniLmEmbeddingGenerator Embeddings = new();
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(Embeddings);
        UseStudioDatabase();
    }

    private KnowledgeBaseService KnowledgeBases => Service<KnowledgeBaseService>();

    private IRenderedComponent<ContainerFragment> RenderPage(string knowledgeBaseId) =>
        RenderWithProviders<KnowledgeBasesPage>(new Dictionary<string, object?> { [nameof(KnowledgeBasesPage.KnowledgeBaseId)] = knowledgeBaseId });

    [Fact]
    public async Task Upload_TwoFilesThenSearch_IndexingFinishesAndRightChunkIsOnTop()
    {
        // Arrange
        var kb = await KnowledgeBases.CreateAsync("Shop help");
        var page = RenderPage(kb.Id);

        // Act: upload two files at once
        page.FindComponent<InputFile>().UploadFiles(
            InputFileContent.CreateFromText("# Parking\n\nFree parking for customers behind the shop, level -1.", "parking.md"),
            InputFileContent.CreateFromText("Gift cards are valid for three years and can be used online.", "gift-cards.txt"));

        // Assert: both listed; indexing finishes (the progress bar goes away, both Ready, one chunk each)
        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=doc-name]").Count), Patience);
        await KnowledgeBases.WaitForIndexingAsync(kb.Id);
        page.WaitForAssertion(() =>
        {
            Assert.All(page.FindAll("[data-testid=doc-state]"), s => Assert.Equal("Ready", s.TextContent.Trim()));
            Assert.All(page.FindAll("[data-testid=doc-chunks]"), c => Assert.Equal("1", c.TextContent.Trim()));
            Assert.Empty(page.FindAll("[data-testid=kb-progress]"));
        }, Patience);

        // Act: search in the playground
        page.Find("input[data-testid=search-query], [data-testid=search-query] input").Input("where can I park my car");
        page.Find("[data-testid=search-button]").Click();

        // Assert
        page.WaitForAssertion(() =>
        {
            var documents = page.FindAll("[data-testid=hit-document]");
            Assert.NotEmpty(documents);
            Assert.Contains("parking.md", documents[0].TextContent);
        }, Patience);
        Assert.Matches(@"\d\.\d\d", page.FindAll("[data-testid=hit-keyword]")[0].TextContent);
        Assert.Matches(@"\d\.\d\d", page.FindAll("[data-testid=hit-vector]")[0].TextContent);
    }

    [Fact]
    public async Task Render_DocumentIndexedByAnotherInstance_ShowsItsProgressAndThenReady()
    {
        // Arrange: a document another instance holds and has embedded 10 of 40 chunks of (no events reach this one)
        var kb = await KnowledgeBases.CreateAsync("Shared");
        var factory = Service<Microsoft.EntityFrameworkCore.IDbContextFactory<StudioDbContext>>();
        var docId = Guid.NewGuid().ToString("n");
        await using (var db = await factory.CreateDbContextAsync())
        {
            db.KnowledgeDocuments.Add(new KnowledgeDocumentEntity
            {
                Id = docId, KnowledgeBaseId = kb.Id, Name = "elsewhere.md", Text = "# Elsewhere\n\nIndexed on another instance.", ContentHash = "elsewhere",
                State = DocumentState.Indexing, LeaseOwner = "another-instance", LeaseUntil = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds(),
                IndexedChunks = 10, ChunksToIndex = 40,
            });
            await db.SaveChangesAsync();
        }

        // Act
        var page = RenderPage(kb.Id);
        page.WaitForAssertion(() => Assert.Contains("25%", page.Find("[data-testid=kb-progress]").TextContent), Patience);
        await using (var db = await factory.CreateDbContextAsync())
        {
            var doc = await db.KnowledgeDocuments.FindAsync(docId);
            (doc!.State, doc.ChunkCount, doc.IndexedChunks, doc.LeaseOwner) = (DocumentState.Ready, 40, 40, null);
            await db.SaveChangesAsync();
        }

        // Assert: the page reads the rows again while something waits, and stops showing progress once nothing does
        page.WaitForAssertion(() =>
        {
            Assert.Equal("Ready", page.Find("[data-testid=doc-state]").TextContent.Trim());
            Assert.Empty(page.FindAll("[data-testid=kb-progress]"));
        }, Patience);
    }

    [Fact]
    public async Task Upload_BinaryFile_ShowsPlainErrorAndAddsNothing()
    {
        // Arrange
        var kb = await KnowledgeBases.CreateAsync("Shop help");
        var page = RenderPage(kb.Id);

        // Act
        page.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary([0x89, 0x50, 0x4E, 0x47, 0x00, 0x01], "notes.txt"));

        // Assert
        page.WaitForAssertion(() => Assert.Contains("is not a text file", page.Find("[data-testid=upload-problems]").TextContent), Patience);
        Assert.Empty(await KnowledgeBases.ListDocumentsAsync(kb.Id));
    }

    [Fact]
    public async Task ReplaceDocument_FileWithAnotherName_AsksFirstAndCancelKeepsTheText()
    {
        // Arrange
        var kb = await KnowledgeBases.CreateAsync("Shop help");
        await KnowledgeBases.AddDocumentAsync(kb.Id, "warranty.md", "# Warranty\n\nTwo years on everything.");
        await KnowledgeBases.WaitForIndexingAsync(kb.Id);
        var before = await KnowledgeBases.GetVersionAsync(kb.Id);
        var page = RenderPage(kb.Id);
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=doc-name]")), Patience);
        IRenderedComponent<InputFile> Replace() => page.FindComponents<InputFile>().Last();

        // Act 1: pick another file, then cancel.
        // The upload's handler waits for the answer, so the upload is started beside the test's own flow.
        var first = Task.Run(() => Replace().UploadFiles(InputFileContent.CreateFromText("# Loyalty\n\nOne point per euro.", "loyalty.md")));
        var question = page.WaitForElement(".mud-dialog", Patience);
        var text = question.TextContent;
        page.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Cancel").Click();
        page.WaitForAssertion(() => Assert.Empty(page.FindAll(".mud-dialog")), Patience);
        await first.WaitAsync(Patience);
        var afterCancel = await KnowledgeBases.GetVersionAsync(kb.Id);

        // Act 2: again, and confirm.
        var second = Task.Run(() => Replace().UploadFiles(InputFileContent.CreateFromText("# Loyalty\n\nOne point per euro.", "loyalty.md")));
        page.WaitForElement(".mud-dialog", Patience);
        page.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Replace").Click();
        await second.WaitAsync(Patience);

        // Assert
        Assert.Contains("Replace “warranty.md”?", text);
        Assert.Contains("a file with another name", text);
        Assert.Equal(before, afterCancel);
        page.WaitForAssertion(() => Assert.NotEqual(before, KnowledgeBases.GetVersionAsync(kb.Id).AsTask().GetAwaiter().GetResult()), Patience);
        var documents = await KnowledgeBases.ListDocumentsAsync(kb.Id);
        Assert.Equal("warranty.md", Assert.Single(documents).Name);
    }

    [Fact]
    public async Task Render_TwoKnowledgeBases_ListsBothWithDocumentCounts()
    {
        // Arrange
        var a = await KnowledgeBases.CreateAsync("Alpha");
        await KnowledgeBases.CreateAsync("Beta");
        await KnowledgeBases.AddDocumentAsync(a.Id, "one.md", "# One\n\nText.");

        // Act
        var page = RenderPage(a.Id);

        // Assert
        page.WaitForAssertion(() =>
        {
            var items = page.FindAll("[data-testid=kb-item]");
            Assert.Equal(2, items.Count);
            Assert.Contains("1 document", items[0].TextContent);
            Assert.Contains("0 documents", items[1].TextContent);
            Assert.Equal("Alpha", page.Find("[data-testid=kb-title]").TextContent.Trim());
        });
    }

    [Fact]
    public async Task Delete_Confirmed_RemovesKnowledgeBase()
    {
        // Arrange
        var kb = await KnowledgeBases.CreateAsync("Doomed");
        var page = RenderPage(kb.Id);
        page.WaitForElement("[data-testid=kb-title]");

        // Act
        page.Find("[data-testid=kb-delete]").Click();
        var confirm = page.WaitForElement(".mud-dialog");
        Assert.Contains("Delete this knowledge base?", confirm.TextContent);
        page.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Delete").Click();

        // Assert
        page.WaitForAssertion(() => Assert.Null(KnowledgeBases.GetVersionAsync(kb.Id).AsTask().GetAwaiter().GetResult()), Patience);
    }

    [Fact]
    public async Task Delete_KnowledgeBaseAWorkflowSearches_ConfirmationNamesTheWorkflow()
    {
        // Arrange: a saved workflow whose retrieve step searches this base, and one that searches another
        var kb = await KnowledgeBases.CreateAsync("Returns policy");
        var other = await KnowledgeBases.CreateAsync("Other");
        var store = Service<WorkflowStore>();
        await store.CreateAsync(SampleWorkflows.FaqBot(kb.Id) with { Name = "Returns helper" });
        await store.CreateAsync(SampleWorkflows.FaqBot(other.Id) with { Name = "Unrelated bot" });
        var page = RenderPage(kb.Id);
        page.WaitForElement("[data-testid=kb-title]");

        // Act
        page.Find("[data-testid=kb-delete]").Click();
        var confirm = page.WaitForElement(".mud-dialog");

        // Assert: the user sees which bot loses its knowledge; nothing is deleted until confirmed
        Assert.Contains("“Returns helper” searches it", confirm.TextContent);
        Assert.DoesNotContain("Unrelated bot", confirm.TextContent);
        page.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Keep it").Click();
        page.WaitForAssertion(() => Assert.Empty(page.FindAll(".mud-dialog")));
        Assert.NotNull(await KnowledgeBases.GetVersionAsync(kb.Id));
    }

    [Theory]
    [InlineData(0, "No workflow searches it.")]
    [InlineData(1, "The workflow “A” searches it and will find nothing")]
    [InlineData(3, "The workflows “A”, “B” and “C” search it")]
    [InlineData(5, "5 workflows search it (“A”, “B” and 3 more)")]
    public void UsersSentence_NamesTheWorkflowsThatSearchTheBase(int count, string expected)
    {
        // Arrange
        var names = Enumerable.Range(0, count).Select(i => ((char)('A' + i)).ToString()).ToList();

        // Act
        var sentence = KnowledgeBasesPage.UsersSentence(names);

        // Assert
        Assert.StartsWith(expected, sentence);
    }
}
