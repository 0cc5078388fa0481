using WorkflowEngine.Graphs;
using WorkflowStudio.Components.Pages.Editor;
using WorkflowStudio.Tests.TestNodes;

namespace WorkflowStudio.Tests.Components.Pages.Editor;

public sealed class EditorSessionTests
{
    private readonly EditorSession _session = new(EditorTestNodes.Registry());
    private readonly WorkflowGraph _sample = SampleWorkflows.FaqBot("kb-1");

    public EditorSessionTests() => _session.Load("wf-1", _sample, version: 3);

    [Fact]
    public void Load_FreshWorkflow_IsCleanWithNothingToUndo()
    {
        // Assert
        Assert.False(_session.IsDirty);
        Assert.False(_session.CanUndo);
        Assert.False(_session.CanRedo);
        Assert.Equal(3, _session.Version);
        Assert.Same(_sample, _session.Graph);
    }

    [Fact]
    public void AddNode_ThenUndo_RestoresGraphAndClearsDirty()
    {
        // Arrange
        var changes = 0;
        _session.Changed += () => changes++;

        // Act
        var id = _session.AddNode("template", new NodePosition(100, 500));
        var dirtyAfterAdd = _session.IsDirty;
        var added = _session.Graph.FindNode(id);
        var position = _session.Graph.Layout[id];
        _session.Undo();

        // Assert
        Assert.Equal("template2", id);
        Assert.NotNull(added);
        Assert.Equal(new NodePosition(100, 500), position);
        Assert.True(dirtyAfterAdd);
        Assert.Same(_sample, _session.Graph);
        Assert.False(_session.IsDirty);
        Assert.True(_session.CanRedo);
        Assert.Equal(2, changes);
    }

    [Fact]
    public void Redo_AfterUndo_ReappliesTheEdit()
    {
        // Arrange
        _session.Connect(new Edge("clean", "template"));
        var edited = _session.Graph;
        _session.Undo();

        // Act
        var redone = _session.Redo();

        // Assert
        Assert.True(redone);
        Assert.Same(edited, _session.Graph);
        Assert.True(_session.IsDirty);
        Assert.False(_session.CanRedo);
    }

    [Fact]
    public void NewEdit_AfterUndo_ClearsRedo()
    {
        // Arrange
        _session.Rename("First name");
        _session.Undo();

        // Act
        _session.Rename("Second name");

        // Assert
        Assert.False(_session.CanRedo);
        Assert.Equal("Second name", _session.Graph.Name);
    }

    [Fact]
    public void MarkSaved_ThenUndo_IsDirtyAgainAndUsesTheNewVersion()
    {
        // Arrange
        _session.Rename("Renamed bot");
        var saved = _session.Graph;

        // Act
        _session.MarkSaved(saved, version: 4);
        var dirtyAfterSave = _session.IsDirty;
        _session.Undo();

        // Assert
        Assert.False(dirtyAfterSave);
        Assert.Equal(4, _session.Version);
        Assert.True(_session.IsDirty);
        Assert.Equal(_sample.Name, _session.Graph.Name);
    }

    [Fact]
    public void Connect_RefusedConnection_ReturnsHintAndChangesNothing()
    {
        // Act
        var hint = _session.Connect(new Edge("answer", "start"));

        // Assert
        Assert.NotNull(hint);
        Assert.False(_session.IsDirty);
        Assert.False(_session.CanUndo);
    }

    [Fact]
    public void Remove_NodeWithLinks_RemovesItsEdgesAndLayoutInOneUndoStep()
    {
        // Act
        _session.Remove(["template"], []);
        var afterRemove = _session.Graph;
        _session.Undo();

        // Assert
        Assert.Null(afterRemove.FindNode("template"));
        Assert.DoesNotContain(afterRemove.Edges, e => e.From == "template" || e.To == "template");
        Assert.False(afterRemove.Layout.ContainsKey("template"));
        Assert.Same(_sample, _session.Graph);
    }

    [Fact]
    public void Move_SamePositions_IsNoEdit()
    {
        // Act
        var moved = _session.Move(_sample.Layout);

        // Assert
        Assert.False(moved);
        Assert.False(_session.IsDirty);
    }

    [Fact]
    public void UpdateNode_CacheSettings_ChangesOnlyThatNode()
    {
        // Act
        _session.UpdateNode("template", n => n with { Cache = new NodeCacheSettings(true, 1800) });

        // Assert
        Assert.Equal(new NodeCacheSettings(true, 1800), _session.Graph.FindNode("template")!.Cache);
        Assert.Equal(_sample.FindNode("llm"), _session.Graph.FindNode("llm"));
        Assert.True(_session.CanUndo);
    }

    [Fact]
    public void AddNode_DefaultSettings_ComeFromTheNodeTypesConfig()
    {
        // Act
        var id = _session.AddNode("clean", new NodePosition(0, 0));

        // Assert
        var node = _session.Graph.FindNode(id)!;
        Assert.Equal("{{ start.query }}", node.Settings.GetProperty("input").GetString());
        Assert.True(node.Settings.GetProperty("trim").GetBoolean());
        Assert.False(node.Cache.Enabled);
        Assert.Equal([id], _session.SelectedNodeIds);
    }
}
