using WorkflowStudio.Components.Chat;

namespace WorkflowStudio.Tests.Components.Chat;

public sealed class SafeMarkdownTests
{
    [Theory]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("Hi <img src=x onerror=alert(1)> there")]
    [InlineData("<iframe src=\"https://evil.example\"></iframe>")]
    public void Render_RawHtml_IsEscapedNotEmitted(string hostile)
    {
        // Act
        var html = SafeMarkdown.Render(hostile).Value;

        // Assert
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<iframe", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;", html);
    }

    [Theory]
    [InlineData("[click](javascript:alert(1))")]
    [InlineData("[click](JAVASCRIPT:alert(1))")]
    [InlineData("[click](data:text/html;base64,PHNjcmlwdD4=)")]
    public void Render_DangerousLink_LosesItsAddress(string markdown)
    {
        // Act
        var html = SafeMarkdown.Render(markdown).Value;

        // Assert
        Assert.DoesNotContain("javascript:", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("data:", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("click", html);
    }

    [Fact]
    public void Render_ImageFromModelOutput_BecomesALink()
    {
        // Act
        var html = SafeMarkdown.Render("![x](https://tracker.example/p.png)").Value;

        // Assert
        Assert.DoesNotContain("<img", html);
        Assert.Contains("href=\"https://tracker.example/p.png\"", html);
    }

    [Fact]
    public void Render_OrdinaryMarkdown_KeepsFormattingAndSafeLinks()
    {
        // Act
        var html = SafeMarkdown.Render("**Reset** your password at [the portal](https://example.com/reset).\n\n- one\n- two").Value;

        // Assert
        Assert.Contains("<strong>Reset</strong>", html);
        Assert.Contains("href=\"https://example.com/reset\"", html);
        Assert.Contains("<li>one</li>", html);
    }
}
