using System.Text.Json;
using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes;
using WorkflowEngine.Nodes.Types;

namespace WorkflowEngine.Tests.Nodes.Types;

/// <summary>The classify step's settings: its ports, summary, checks, and how it reads a model's reply.</summary>
public sealed class ClassifyNodeTests
{
    private static readonly NodeRegistry Registry = new(NodeRegistry.Discover());
    private static readonly NodeDescriptor Descriptor = Registry.Find(NodeRegistry.KeyOf<ClassifyNode>())!;

    [Fact]
    public void OutputPortsOf_Classes_OnePerClassInOrderThenTheFallback()
    {
        // Arrange
        var node = Definition(new { classes = new[] { Class(" orders ", "Where is my order?"), Class("account", "I forgot my password") }, fallback = "elsewhere" });

        // Act
        var ports = Descriptor.OutputPortsOf(node);

        // Assert
        Assert.True(Descriptor.HasSettingsPorts);
        Assert.Equal(["orders", "account", "elsewhere"], ports);
    }

    [Fact]
    public void OutputPortsOf_NoSettings_OnlyTheDefaultFallback()
    {
        // Act
        var ports = Descriptor.OutputPortsOf(NodeHarness.Definition("route", Descriptor.Key));

        // Assert
        Assert.Equal([ClassifyNode.DefaultFallback], ports);
        Assert.Equal("No classes yet", Descriptor.Summarize(NodeHarness.Definition("route", Descriptor.Key)));
    }

    [Fact]
    public void OutputPortsOf_BlankFallback_IsCalledOther()
    {
        // Act
        var ports = Descriptor.OutputPortsOf(Definition(new { classes = new[] { Class("orders", "Where is my order?") }, fallback = " " }));

        // Assert
        Assert.Equal(["orders", ClassifyNode.DefaultFallback], ports);
    }

    [Fact]
    public void Summarize_Classes_NamesThemAndTheFallback()
    {
        // Arrange
        var node = Definition(new { classes = new[] { Class("orders", "a"), Class("account", "b") } });
        var byModel = Definition(new { classes = new[] { Class("orders", "a") }, useModel = true });

        // Act
        var summary = Descriptor.Summarize(node);
        var modelSummary = Descriptor.Summarize(byModel);

        // Assert
        Assert.Equal("orders · account · else other", summary);
        Assert.Equal("Model: orders · else other", modelSummary);
    }

    [Fact]
    public void ValidateSettings_GoodClasses_NoProblems()
    {
        // Arrange
        var node = Definition(new { classes = new[] { Class("orders", "Where is my order?"), Class("account", "I forgot my password") } });

        // Act
        var problems = Validate(node);

        // Assert
        Assert.Empty(problems);
    }

    [Fact]
    public void ValidateSettings_NoClasses_AsksForOne()
    {
        // Act
        var problem = Assert.Single(Validate(NodeHarness.Definition("route", Descriptor.Key)));

        // Assert
        Assert.StartsWith("Add at least one class", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateSettings_BlankAndRepeatedNamesAndMissingExamples_EachReported()
    {
        // Arrange
        var node = Definition(new
        {
            classes = new[] { Class("orders", "Where is my order?"), Class("", "hello"), Class("Orders", "Cancel it"), Class("account") },
        });

        // Act
        var problems = Validate(node);

        // Assert
        Assert.Equal(
            [
                "Class 2 has no name: name it, e.g. orders; the name is its output.",
                "Two classes are called 'Orders': each class needs its own name, since each is an output.",
                "Class 'account' has no example questions: add a few that belong to it.",
            ],
            problems);
    }

    [Fact]
    public void ValidateSettings_FallbackNamedLikeAClassAndConfidenceOutOfRange_Reported()
    {
        // Arrange
        var node = Definition(new { classes = new[] { Class("other", "Tell me a joke") }, fallback = "Other", minConfidence = 1.5 });

        // Act
        var problems = Validate(node);

        // Assert
        Assert.Equal(
            [
                "The fallback output is called 'Other' like a class: give it a name of its own.",
                "The confidence needed must be between 0 and 1; it is 1.5.",
            ],
            problems);
    }

    [Fact]
    public void ValidateSettings_BlankFallbackAndBadInputTemplate_Reported()
    {
        // Arrange
        var node = Definition(new { classes = new[] { Class("orders", "a") }, fallback = "", input = "{{ start.query" });

        // Act
        var problems = Validate(node);

        // Assert
        Assert.Equal(2, problems.Count);
        Assert.Equal("Name the fallback output, taken when no class fits (e.g. other).", problems[1]);
    }

    [Fact]
    public void GetReferences_Input_IsChecked()
    {
        // Arrange
        var node = Definition(new { classes = new[] { Class("orders", "a") }, input = "{{ clean.text }}" });

        // Act
        var references = Node().GetReferences(node).ToList();

        // Assert
        var reference = Assert.Single(references);
        Assert.Equal(("clean", "text", "input"), (reference.NodeId, reference.Output, reference.Field));
    }

    [Theory]
    [InlineData("account", "account")]
    [InlineData("  Account. ", "account")]
    [InlineData("\"orders\"", "orders")]
    [InlineData("The message belongs to orders.", "orders")]
    [InlineData("none", null)]
    [InlineData("orders or account", null)]
    [InlineData("accounting", null)]
    public void ReadReply_ModelReplies_NameTheClassOrNone(string reply, string? expected)
    {
        // Act
        var chosen = ClassifyNode.ReadReply(reply, ["orders", "account"]);

        // Assert
        Assert.Equal(expected, chosen);
    }

    private static object Class(string name, params string[] examples) => new { name, examples };

    private static NodeDefinition Definition(object settings) =>
        new("route", Descriptor.Key, "Route", JsonSerializer.SerializeToElement(settings, new JsonSerializerOptions(JsonSerializerDefaults.Web)), NodeCacheSettings.Disabled);

    /// <summary>The node as the validator makes it when its services are not at hand: settings checks need none.</summary>
    private static ClassifyNode Node() => (ClassifyNode)System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(typeof(ClassifyNode));

    private static List<string> Validate(NodeDefinition node) => [.. Node().ValidateSettings(node)];
}
