using WorkflowEngine.Http;

namespace WorkflowEngine.Tests.Http;

public sealed class JsonPathValueTests
{
    private const string Body = """{"data":{"count":2,"empty":null,"full name":"Ann","items":[{"name":"Blue mug"},{"name":"Red cup"}]}}""";

    [Theory]
    [InlineData("$.data.items[0].name", "Blue mug")]
    [InlineData("data.items[0].name", "Blue mug")]
    [InlineData("$['data'][\"items\"][1]", "{\"name\":\"Red cup\"}")]
    [InlineData("$.data['full name']", "Ann")]
    [InlineData("$.data.count", "2")]
    [InlineData("$", Body)]
    [InlineData("$.data.items[5]", null)]
    [InlineData("$.data.none", null)]
    [InlineData("$.data.empty", null)]
    [InlineData("$.data.count.more", null)]
    public void Extract_Path_FindsTheValueAsText(string path, string? expected)
    {
        // Act
        var value = JsonPathValue.Extract(Body, path);

        // Assert
        Assert.Equal(expected, value);
    }

    [Fact]
    public void Extract_BodyNotJson_Null()
    {
        // Act
        var value = JsonPathValue.Extract("<html>error</html>", "$.data");

        // Assert
        Assert.Null(value);
    }

    [Theory]
    [InlineData("$.items[*]")]
    [InlineData("$..name")]
    [InlineData("$.items[?(@.price > 1)]")]
    [InlineData("$.items[-1]")]
    [InlineData("$.items[0")]
    [InlineData("$['a'b']")]
    [InlineData("$.a b")]
    public void IsValid_WildcardsFiltersAndMalformedPaths_False(string path)
    {
        // Act
        var valid = JsonPathValue.IsValid(path);

        // Assert
        Assert.False(valid);
    }
}
