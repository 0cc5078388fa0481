using WorkflowEngine.Graphs;
using WorkflowStudio.Components.Designer;
using WorkflowStudio.Tests.TestNodes;

namespace WorkflowStudio.Tests.Components.Designer;

public sealed class ConnectionRulesTests
{
    private readonly ConnectionRules _rules = new(EditorTestNodes.Registry());
    private readonly WorkflowGraph _graph = SampleWorkflows.FaqBot("kb-1");

    [Fact]
    public void Check_IntoStart_RefusedWithHint()
    {
        // Act
        var hint = _rules.Check(_graph, new Edge("clean", "start"));

        // Assert
        Assert.NotNull(hint);
        Assert.Contains("start", hint, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Check_EdgeClosingACycle_RefusedWithHint()
    {
        // Act: llm is downstream of retrieve, so llm → retrieve would loop.
        var hint = _rules.Check(_graph, new Edge("llm", "retrieve"));

        // Assert
        Assert.NotNull(hint);
        Assert.Contains("loop", hint);
    }

    [Fact]
    public void Check_SameConnectionTwice_Refused()
    {
        // Act
        var hint = _rules.Check(_graph, new Edge("retrieve", "template"));

        // Assert
        Assert.NotNull(hint);
        Assert.Contains("already connected", hint);
    }

    [Fact]
    public void Check_FromGateWithoutNamedPort_RefusedNamingThePorts()
    {
        // Act
        var hint = _rules.Check(_graph, new Edge("cache", "template"));

        // Assert
        Assert.NotNull(hint);
        Assert.Contains("hit or miss", hint);
    }

    [Fact]
    public void Check_SelfLoop_Refused()
    {
        // Act
        var hint = _rules.Check(_graph, new Edge("template", "template"));

        // Assert
        Assert.Equal("A step cannot connect to itself.", hint);
    }

    [Fact]
    public void Check_ValidNewConnection_Allowed()
    {
        // Act: a second way into the template (a join) is fine.
        var hint = _rules.Check(_graph, new Edge("clean", "template"));

        // Assert
        Assert.Null(hint);
    }
}
