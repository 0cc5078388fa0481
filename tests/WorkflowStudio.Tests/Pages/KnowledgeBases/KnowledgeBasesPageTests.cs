using System.Text;
using Bunit;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using WorkflowEngine.Knowledge;
using WorkflowEngine.Persistence;
using WorkflowStudio.Components.Pages.KnowledgeBases;

namespace WorkflowStudio.Tests.Pages.KnowledgeBases;

/// <summary>The page against the real knowledge-base service (temporary SQLite file, built-in embedding model).</summary>
public sealed class KnowledgeBasesPageTests : IAsyncLifetime
{
    private static readonly MiniLmEmbeddingGenerator Embeddings = new();
    private readonly string _dbPath = Path.Combine(Path.GetTempPath(), $"kb-page-{Guid.NewGuid():n}.db");
    private readonly BunitContext _ctx = new();
    private ServiceProvider _data = default!;
    private KnowledgeBaseService _service = default!;

    public async Task InitializeAsync()
    {
        _data = new ServiceCollection().AddStudioPersistence($"Data Source={_dbPath};Pooling=False").BuildServiceProvider();
        var dbFactory = _data.GetRequiredService<IDbContextFactory<StudioDbContext>>();
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            await db.Database.EnsureCreatedAsync();
        }
        _service = new KnowledgeBaseService(dbFactory, Embeddings, TimeProvider.System, _data);
        _ctx.Services.AddMudServices();
        _ctx.Services.AddSingleton(_service);
        _ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        _ctx.Render<MudPopoverProvider>();
    }

    public async Task DisposeAsync()
    {
        await _ctx.DisposeAsync();
        await _service.DisposeAsync();
        await _data.DisposeAsync();
        File.Delete(_dbPath);
    }

    [Fact]
    public async Task Page_UploadTwoFilesAndSearch_ShowsProgressThenRightChunkOnTop()
    {
        // Arrange
        var kb = await _service.CreateAsync("Shop help");
        var page = _ctx.Render<KnowledgeBasesPage>(p => p.Add(x => x.KnowledgeBaseId, kb.Id));

        // Act: upload two files at once
        page.FindComponent<InputFile>().UploadFiles(
            InputFileContent.CreateFromText("# Parking\n\nFree parking for customers behind the shop, level -1.", "parking.md"),
            InputFileContent.CreateFromText("Gift cards are valid for three years and can be used online.", "gift-cards.txt"));

        // Assert: both listed, and indexing finishes (the progress bar goes away, both Ready)
        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=doc-name]").Count), TimeSpan.FromSeconds(30));
        await _service.WaitForIndexingAsync(kb.Id);
        page.WaitForAssertion(() =>
        {
            Assert.All(page.FindAll("[data-testid=doc-state]"), s => Assert.Equal("Ready", s.TextContent.Trim()));
            Assert.Empty(page.FindAll("[data-testid=kb-progress]"));
        }, TimeSpan.FromSeconds(30));
        Assert.All(page.FindAll("[data-testid=doc-chunks]"), c => Assert.Equal("1", c.TextContent.Trim()));

        // Act: search in the playground
        page.Find("input[data-testid=search-query], [data-testid=search-query] input").Input("where can I park my car");
        page.Find("[data-testid=search-button]").Click();

        // Assert
        page.WaitForAssertion(() =>
        {
            var documents = page.FindAll("[data-testid=hit-document]");
            Assert.NotEmpty(documents);
            Assert.Contains("parking.md", documents[0].TextContent);
        }, TimeSpan.FromSeconds(30));
        Assert.Matches(@"\d\.\d\d", page.FindAll("[data-testid=hit-keyword]")[0].TextContent);
        Assert.Matches(@"\d\.\d\d", page.FindAll("[data-testid=hit-vector]")[0].TextContent);
    }

    [Fact]
    public async Task Page_UploadBinaryFile_ShowsPlainErrorAndAddsNothing()
    {
        // Arrange
        var kb = await _service.CreateAsync("Shop help");
        var page = _ctx.Render<KnowledgeBasesPage>(p => p.Add(x => x.KnowledgeBaseId, kb.Id));

        // Act
        page.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary([0x89, 0x50, 0x4E, 0x47, 0x00, 0x01], "notes.txt"));

        // Assert
        page.WaitForAssertion(() => Assert.Contains("is not a text file", page.Find("[data-testid=upload-problems]").TextContent), TimeSpan.FromSeconds(30));
        Assert.Empty(await _service.ListDocumentsAsync(kb.Id));
    }

    [Fact]
    public async Task Page_TwoKnowledgeBases_ListsBothWithDocumentCounts()
    {
        // Arrange
        var a = await _service.CreateAsync("Alpha");
        await _service.CreateAsync("Beta");
        await _service.AddDocumentAsync(a.Id, "one.md", "# One\n\nText.");

        // Act
        var page = _ctx.Render<KnowledgeBasesPage>(p => p.Add(x => x.KnowledgeBaseId, a.Id));

        // Assert
        page.WaitForAssertion(() =>
        {
            var items = page.FindAll("[data-testid=kb-item]");
            Assert.Equal(2, items.Count);
            Assert.Contains("1 document", items[0].TextContent);
            Assert.Equal("Alpha", page.Find("[data-testid=kb-title]").TextContent.Trim());
        });
        Assert.Equal(Encoding.UTF8.GetByteCount("# One\n\nText."), (await _service.ListDocumentsAsync(a.Id))[0].SizeBytes);
    }
}
