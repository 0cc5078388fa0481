using WorkflowEngine.Knowledge;

namespace WorkflowEngine.Tests.Knowledge;

public sealed class TextChunkerTests
{
    [Fact]
    public void Chunk_HeadingsAndParagraphs_StartNewChunkAtEachHeadingAndKeepHeading()
    {
        // Arrange
        var text = "Intro line before any heading.\n\n# Returns\n\nFirst paragraph about returns.\n\nSecond paragraph.\n\n## Exceptions\n\nUnderwear cannot be returned.";

        // Act
        var chunks = TextChunker.Chunk("d1", "returns.md", text, targetSize: 800, overlap: 100);

        // Assert
        Assert.Equal(3, chunks.Count);
        Assert.Null(chunks[0].Heading);
        Assert.Equal("Intro line before any heading.", chunks[0].Text);
        Assert.Equal("Returns", chunks[1].Heading);
        Assert.Equal("First paragraph about returns.\n\nSecond paragraph.", chunks[1].Text);
        Assert.Equal("Exceptions", chunks[2].Heading);
        Assert.Equal("Underwear cannot be returned.", chunks[2].Text);
        Assert.All(chunks, c => Assert.Equal("returns.md", c.DocumentName));
        Assert.Equal([0, 1, 2], chunks.Select(c => c.Ordinal));
    }

    [Fact]
    public void Chunk_ParagraphsOverTarget_PacksWholeParagraphsUpToTargetSize()
    {
        // Arrange: five paragraphs of 90 characters each
        var paragraphs = Enumerable.Range(1, 5).Select(i => $"Paragraph {i} " + new string('x', 78)).ToList();
        var text = "# Title\n\n" + string.Join("\n\n", paragraphs);

        // Act
        var chunks = TextChunker.Chunk("d", "doc.md", text, targetSize: 200, overlap: 0);

        // Assert: two paragraphs (90 + 2 + 90 = 182) fit in 200, a third does not
        Assert.Equal(3, chunks.Count);
        Assert.Equal(paragraphs[0] + "\n\n" + paragraphs[1], chunks[0].Text);
        Assert.Equal(paragraphs[2] + "\n\n" + paragraphs[3], chunks[1].Text);
        Assert.Equal(paragraphs[4], chunks[2].Text);
        Assert.All(chunks, c => Assert.True(c.Text.Length <= 200));
    }

    [Fact]
    public void Chunk_WithOverlap_EachChunkStartsWithTailOfPrevious()
    {
        // Arrange: one long paragraph of numbered words
        var words = Enumerable.Range(1, 300).Select(i => $"word{i}");
        var text = "# Long\n\n" + string.Join(' ', words) + ".";

        // Act
        var chunks = TextChunker.Chunk("d", "long.txt", text, targetSize: 300, overlap: 60);

        // Assert
        Assert.True(chunks.Count > 3);
        for (var i = 1; i < chunks.Count; i++)
        {
            var previous = chunks[i - 1].Text;
            var tail = TextChunker.Tail(previous, 60);
            Assert.NotEmpty(tail);
            Assert.True(tail.Length <= 60);
            Assert.StartsWith(tail, chunks[i].Text);
            Assert.EndsWith(tail, previous);
        }
        Assert.All(chunks, c => Assert.True(c.Text.Length <= 300, $"chunk of {c.Text.Length} characters"));
        // Nothing lost: every word appears in some chunk
        Assert.All(words, w => Assert.Contains(chunks, c => c.Text.Split(' ', '.').Contains(w)));
    }

    [Fact]
    public void Chunk_Overlap_DoesNotCrossHeadings()
    {
        // Arrange
        var text = "# A\n\n" + string.Join(' ', Enumerable.Repeat("alpha", 100)) + "\n\n# B\n\nbeta text";

        // Act
        var chunks = TextChunker.Chunk("d", "doc.md", text, targetSize: 200, overlap: 50);

        // Assert
        var b = Assert.Single(chunks, c => c.Heading == "B");
        Assert.Equal("beta text", b.Text);
    }

    [Fact]
    public void Chunk_TextWithoutSpaces_CutsHardAtTargetSize()
    {
        // Arrange: Chinese text has no spaces between words
        var text = string.Concat(Enumerable.Repeat("我们的退货政策很简单", 50));

        // Act
        var chunks = TextChunker.Chunk("d", "zh.txt", text, targetSize: 120, overlap: 20);

        // Assert
        Assert.True(chunks.Count >= 5);
        Assert.All(chunks, c => Assert.True(c.Text.Length <= 120));
    }

    [Fact]
    public void Chunk_EmptyText_ReturnsNoChunks()
    {
        // Act
        var chunks = TextChunker.Chunk("d", "empty.md", "\n\n   \n", 800, 100);

        // Assert
        Assert.Empty(chunks);
    }

    [Theory]
    [InlineData("# Returns", "Returns")]
    [InlineData("   ### Exceptions ###", "Exceptions")]
    [InlineData("## Paying in C#", "Paying in C#")]
    [InlineData("#\tTabbed", "Tabbed")]
    [InlineData("#hashtag", null)]
    [InlineData("####### Seven", null)]
    [InlineData("    # Indented four", null)]
    [InlineData("# ###", null)]
    public void HeadingText_MarkdownLines_TextOfAtxHeadingsOnly(string line, string? expected)
    {
        // Act
        var text = TextChunker.HeadingText(line);

        // Assert
        Assert.Equal(expected, text);
    }

    [Fact]
    public void Chunk_100KbLineOfHashes_IsChunkedInUnderASecond()
    {
        // Arrange: the line that made a backtracking heading pattern run for minutes.
        var text = "# Title\n\n# " + new string('#', 100_000) + "x\n\nAfter it.";
        var clock = System.Diagnostics.Stopwatch.StartNew();

        // Act
        var chunks = TextChunker.Chunk("d", "evil.md", text, targetSize: 800, overlap: 100);

        // Assert
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed.TotalMilliseconds:0} ms");
        Assert.Contains(chunks, c => c.Text.Contains("After it.", StringComparison.Ordinal));
    }
}
