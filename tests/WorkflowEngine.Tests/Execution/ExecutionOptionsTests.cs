using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using WorkflowEngine.Execution;

namespace WorkflowEngine.Tests.Execution;

public sealed class ExecutionOptionsTests
{
    [Fact]
    public void AddEngineExecution_ConfigurationSection_BindsNodeTimeout()
    {
        // Arrange
        using var services = Build(new Dictionary<string, string?> { ["Engine:Execution:NodeTimeout"] = "00:00:05", ["Engine:Execution:OutputPreviewLength"] = "50" });

        // Act
        var options = services.GetRequiredService<IOptions<ExecutionOptions>>().Value;

        // Assert
        Assert.Equal(TimeSpan.FromSeconds(5), options.NodeTimeout);
        Assert.Equal(50, options.OutputPreviewLength);
    }

    [Fact]
    public void AddEngineExecution_ZeroTimeout_FailsValidationWithPlainMessage()
    {
        // Arrange
        using var services = Build(new Dictionary<string, string?> { ["Engine:Execution:NodeTimeout"] = "00:00:00" });

        // Act
        var ex = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<ExecutionOptions>>().Value);

        // Assert
        Assert.Contains("NodeTimeout must be more than zero", ex.Message);
    }

    [Fact]
    public void AddEngineExecution_NoConfiguration_UsesADefaultLongerThanTheLlmTimeout()
    {
        // Arrange
        using var services = Build([]);

        // Act
        var options = services.GetRequiredService<IOptions<ExecutionOptions>>().Value;

        // Assert
        Assert.Equal(TimeSpan.FromSeconds(90), options.NodeTimeout);
        Assert.True(options.NodeTimeout > TimeSpan.FromSeconds(new WorkflowEngine.Llm.LlmOptions().TimeoutSeconds));
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddEngineExecution();
        return services.BuildServiceProvider();
    }
}
