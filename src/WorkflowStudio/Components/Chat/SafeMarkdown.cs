using Markdig;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;
using Microsoft.AspNetCore.Components;

namespace WorkflowStudio.Components.Chat;

/// <summary>Renders model answers (and anything else untrusted) as Markdown without letting markup through: raw HTML is
/// escaped (Markdig's <c>DisableHtml</c>), and links or images whose address is not http(s), mailto or relative lose it, so no
/// <c>javascript:</c> or <c>data:</c> URL can run.</summary>
public static class SafeMarkdown
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .DisableHtml()
        .UseEmphasisExtras()
        .UsePipeTables()
        .UseAutoLinks()
        .Build();

    public static MarkupString Render(string? markdown)
    {
        var document = Markdown.Parse(markdown ?? "", Pipeline);
        foreach (var link in document.Descendants<LinkInline>())
        {
            if (!IsSafeUrl(link.Url))
            {
                link.Url = "";
            }
            // Images from model output could beacon out; show them as links instead.
            link.IsImage = false;
        }
        foreach (var autolink in document.Descendants<AutolinkInline>())
        {
            if (!autolink.IsEmail && !IsSafeUrl(autolink.Url))
            {
                autolink.Url = "";
            }
        }
        using var writer = new StringWriter();
        var renderer = new Markdig.Renderers.HtmlRenderer(writer);
        Pipeline.Setup(renderer);
        renderer.Render(document);
        writer.Flush();
        return new MarkupString(writer.ToString());
    }

    public static bool IsSafeUrl(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return true;
        }
        var trimmed = url.Trim();
        if (Uri.TryCreate(trimmed, UriKind.Absolute, out var absolute) && !trimmed.StartsWith('/'))
        {
            return absolute.Scheme == Uri.UriSchemeHttp || absolute.Scheme == Uri.UriSchemeHttps || absolute.Scheme == Uri.UriSchemeMailto;
        }
        // Relative addresses are fine unless a scheme hides behind them ("java\tscript:").
        return !trimmed.Contains(':', StringComparison.Ordinal);
    }
}
