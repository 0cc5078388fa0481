using Bunit;
using WorkflowStudio.Components.Designer;

namespace WorkflowStudio.Tests.Components.Designer;

public sealed class PaletteTests : EditorTestContext
{
    [Fact]
    public void Render_Registry_ListsEveryNodeTypeUnderItsCategory()
    {
        // Act
        var palette = Render<Palette>();

        // Assert: one item per registered type, inside the section of its category, with name and description.
        var items = palette.FindAll(".wf-palette-item");
        Assert.Equal(Registry.All.Count, items.Count);
        foreach (var descriptor in Registry.All)
        {
            var section = palette.Find($"section[data-category='{descriptor.Metadata.Category}']");
            var item = section.QuerySelector($".wf-palette-item[data-node-type='{descriptor.Key}']");
            Assert.NotNull(item);
            Assert.Equal(descriptor.Metadata.DisplayName, item!.QuerySelector(".wf-palette-name")!.TextContent);
            Assert.Equal(descriptor.Metadata.Description, item.QuerySelector(".wf-palette-description")!.TextContent);
            Assert.Equal("true", item.GetAttribute("draggable"));
        }
    }

    [Fact]
    public void Render_Categories_FollowTheDesignOrder()
    {
        // Act
        var palette = Render<Palette>();

        // Assert
        var categories = palette.FindAll("section[data-category]").Select(s => s.GetAttribute("data-category")!).ToList();
        var expected = Registry.All.Select(d => d.Metadata.Category).Distinct().OrderBy(NodeTypeStyle.CategoryRank).ToList();
        Assert.Equal(expected, categories);
        Assert.Equal("Input", categories[0]);
        Assert.Equal("Output", categories[^1]);
    }

    [Fact]
    public void KeyboardEnter_OnItem_RaisesAddForThatType()
    {
        // Arrange
        string? added = null;
        var palette = Render<Palette>(p => p.Add(x => x.OnAdd, (string key) => added = key));

        // Act
        palette.Find(".wf-palette-item[data-node-type='retrieve']").KeyDown(new Microsoft.AspNetCore.Components.Web.KeyboardEventArgs { Key = "Enter" });

        // Assert
        Assert.Equal("retrieve", added);
    }
}
