using System.Text.RegularExpressions;
using WorkflowEngine.Nodes;
using WorkflowStudio.Components.Inspector;
using WorkflowTesting;

namespace WorkflowStudio.Tests;

/// <summary>A node type is its own files: nothing else in the product matches on its type key, so adding a type never needs
/// an edit elsewhere and forgetting one cannot silently fall back (docs/execution.md, "Adding a node type").</summary>
public sealed class NodeTypeKeyTests
{
    private static readonly NodeRegistry Registry = new(NodeRegistry.Discover());

    public static TheoryData<string> Keys() => [.. Registry.All.Select(d => d.Key).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Keys))]
    public void TypeKey_OutsideTheTypesOwnFiles_IsNeverMatchedOn(string key)
    {
        // Arrange
        var descriptor = Registry.Find(key)!;
        var pattern = MatchingOn(key);

        // Act
        var offenders = SourceFiles()
            .Where(file => !IsOwnFile(file, descriptor))
            .SelectMany(file => File.ReadLines(file).Select((line, i) => (file, line, i)))
            .Where(x => pattern.IsMatch(x.line))
            .Select(x => $"{Path.GetRelativePath(RepositoryFiles.Root, x.file)}:{x.i + 1}: {x.line.Trim()}")
            .ToList();

        // Assert
        Assert.True(offenders.Count == 0, $"Code outside {descriptor.ImplementationType.Name}'s own files matches on \"{key}\" "
            + "(use a capability on [NodeType], an interface on its settings record, or NodeRegistry.KeyOf<T>()):\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void Pattern_MatchingOnAKey_IsDetected()
    {
        // Arrange: the shapes the rule forbids, so a pattern that matches nothing cannot pass the test above.
        var pattern = MatchingOn("llm");
        string[] forbidden = ["if (n.Type == \"llm\")", "t.Type != \"llm\" &&", "case \"llm\":", "x is \"llm\"", "\"llm\" => Describe()", "private const string LlmType = \"llm\";"];

        // Act
        var missed = forbidden.Where(line => !pattern.IsMatch(line)).ToList();

        // Assert
        Assert.Empty(missed);
        Assert.DoesNotMatch(pattern, "Node(\"llm\", \"llm\", \"Write the answer\", new { })");
    }

    [Fact]
    public void SettingsEditors_EveryEngineType_HasItsOwnForm()
    {
        // Act
        var missing = Registry.All.Where(d => SettingsEditors.For(d.Key) == typeof(GenericSettings)).Select(d => d.Key).ToList();

        // Assert
        Assert.Empty(missing);
    }

    private static Regex MatchingOn(string key)
    {
        var k = Regex.Escape(key);
        return new Regex($"""((==|!=|\bis|\bcase)\s*"{k}")|("{k}"\s*(=>|==))|(const\s+string\s+\w+\s*=\s*"{k}")""", RegexOptions.CultureInvariant);
    }

    private static IEnumerable<string> SourceFiles() =>
        new[] { "src" }.Select(d => RepositoryFiles.PathOf(d))
            .SelectMany(d => Directory.EnumerateFiles(d, "*.*", SearchOption.AllDirectories))
            .Where(f => (f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".razor", StringComparison.Ordinal))
                && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    /// <summary>The type's class file(s) and its settings form (the component that names the class in [NodeSettingsEditor]).</summary>
    private static bool IsOwnFile(string file, NodeDescriptor descriptor)
    {
        var name = descriptor.ImplementationType.Name;
        return Path.GetFileName(file).StartsWith(name, StringComparison.Ordinal)
            || File.ReadAllText(file).Contains($"NodeSettingsEditor(typeof(WorkflowEngine.Nodes.Types.{name}))", StringComparison.Ordinal);
    }
}
