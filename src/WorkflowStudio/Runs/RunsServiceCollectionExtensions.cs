using Microsoft.Extensions.DependencyInjection.Extensions;
using WorkflowStudio.Runs;

namespace Microsoft.Extensions.DependencyInjection;

public static class RunsServiceCollectionExtensions
{
    /// <summary>Running workflows for the test chat and the API (<see cref="WorkflowRunService"/>), recording them in the database
    /// (<see cref="RunRecorder"/>), reading them back (<see cref="RunHistory"/>), finding the graph to replay one on
    /// (<see cref="RunGraphs"/>) and taking wrong-answer reports (<see cref="RunFeedback"/>). Options: <c>Studio:Runs</c>.</summary>
    public static IServiceCollection AddWorkflowRuns(this IServiceCollection services)
    {
        services.AddOptions<RunOptions>().BindConfiguration(RunOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RunRecorder>();
        services.TryAddSingleton<WorkflowRunService>();
        services.TryAddSingleton<RunHistory>();
        services.TryAddSingleton<RunGraphs>();
        services.TryAddSingleton<RunHub>();
        services.TryAddSingleton<RunFeedback>();
        return services;
    }

    public static IServiceCollection AddWorkflowRuns(this IServiceCollection services, Action<RunOptions> configure)
    {
        services.AddWorkflowRuns();
        services.Configure(configure);
        return services;
    }
}
