using System.Reflection;
using NetArchTest.Rules;
using WorkflowEngine.Graphs;

namespace WorkflowEngine.Tests;

/// <summary>The engine knows nothing of the UI, and node types stay pure (no Redis, no database): see CONVENTIONS.md.</summary>
public sealed class ArchitectureTests
{
    private static readonly Assembly Engine = typeof(WorkflowGraph).Assembly;

    private static readonly string[] UiNamespaces = ["Microsoft.AspNetCore", "MudBlazor", "Blazor.Diagrams"];

    private static readonly string[] InfrastructureNamespaces = ["StackExchange.Redis", "Microsoft.EntityFrameworkCore"];

    [Fact]
    public void WorkflowEngine_Types_DoNotDependOnUiFrameworks()
    {
        // Act
        var result = Types.InAssembly(Engine).ShouldNot().HaveDependencyOnAny(UiNamespaces).GetResult();

        // Assert
        Assert.True(result.IsSuccessful, "Engine types that use UI frameworks: " + string.Join(", ", result.FailingTypeNames ?? []));
    }

    [Fact]
    public void WorkflowEngine_Assembly_ReferencesNoUiAssembly()
    {
        // Act: catches a package reference even before any type uses it.
        var references = Engine.GetReferencedAssemblies().Select(a => a.Name ?? "").ToList();

        // Assert
        Assert.DoesNotContain(references, name =>
            name.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal)
            || name.StartsWith("MudBlazor", StringComparison.Ordinal)
            || name.Contains("Blazor.Diagrams", StringComparison.Ordinal));
    }

    [Fact]
    public void NodeTypes_DoNotDependOnRedisOrEntityFramework()
    {
        // Arrange
        var nodeTypes = Types.InAssembly(Engine).That().ResideInNamespace("WorkflowEngine.Nodes.Types");

        // Act
        var result = nodeTypes.ShouldNot().HaveDependencyOnAny(InfrastructureNamespaces).GetResult();

        // Assert
        Assert.NotEmpty(Types.InAssembly(Engine).That().ResideInNamespace("WorkflowEngine.Nodes.Types").GetTypes());
        Assert.True(result.IsSuccessful, "Node types that use Redis or EF Core: " + string.Join(", ", result.FailingTypeNames ?? []));
    }

    [Theory]
    [InlineData("WorkflowEngine.Caching", "StackExchange.Redis")]
    [InlineData("WorkflowEngine.Persistence", "Microsoft.EntityFrameworkCore")]
    public void DependencyRule_AreaThatUsesTheLibrary_IsDetected(string area, string library)
    {
        // Act: the same rule on an area that legitimately uses the library must fail, or the rules above prove nothing.
        var result = Types.InAssembly(Engine).That().ResideInNamespace(area).ShouldNot().HaveDependencyOn(library).GetResult();

        // Assert
        Assert.False(result.IsSuccessful);
    }
}
