using WorkflowEngine.Llm;

namespace WorkflowEngine.Tests.Llm;

public sealed class LlmAllowedHostsTests
{
    [Theory]
    [InlineData("https://api.openai.com/v1", true)]
    [InlineData("https://API.OpenAI.com:443/v1", true)]
    [InlineData("http://localhost:11434/v1", true)]
    [InlineData("http://localhost:8080/v1", false)]
    [InlineData("https://llm.example.com/v1", true)]
    [InlineData("https://a.b.example.com:8443/v1", true)]
    [InlineData("https://example.com/v1", false)]
    [InlineData("https://evilexample.com/v1", false)]
    [InlineData("http://169.254.169.254/latest", false)]
    [InlineData("http://[::1]:9000/v1", true)]
    [InlineData("http://[::1]:9001/v1", false)]
    [InlineData("not a url", false)]
    public void Allows_Url_MatchesHostHostPortOrWildcard(string url, bool allowed) =>
        Assert.Equal(allowed, LlmAllowedHosts.Allows(["api.openai.com", "localhost:11434", "*.example.com", "[::1]:9000"], url));

    [Fact]
    public void Allows_NoList_AllowsEveryHost() =>
        Assert.True(LlmAllowedHosts.Allows([], "http://10.1.2.3:5000/v1"));

    [Theory]
    [InlineData("api.openai.com", true)]
    [InlineData("localhost:11434", true)]
    [InlineData("*.example.com:8443", true)]
    [InlineData("[::1]", true)]
    [InlineData("", false)]
    [InlineData("https://api.openai.com", false)]
    [InlineData("localhost:99999", false)]
    [InlineData("*.10.0.0.1", false)]
    [InlineData("host with space", false)]
    public void IsValidPattern_Pattern_AcceptsOnlyHostPortAndWildcards(string pattern, bool valid) =>
        Assert.Equal(valid, LlmAllowedHosts.IsValidPattern(pattern));
}
