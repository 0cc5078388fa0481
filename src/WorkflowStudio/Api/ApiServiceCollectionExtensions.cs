using Microsoft.Extensions.DependencyInjection.Extensions;
using WorkflowStudio.Api;

namespace Microsoft.Extensions.DependencyInjection;

public static class ApiServiceCollectionExtensions
{
    /// <summary>The published HTTP API: run keys, access checks and rate limits, health checks, problem details and the
    /// OpenAPI document. Options: the <c>Api</c> section (<see cref="ApiOptions"/>).</summary>
    public static IServiceCollection AddWorkflowApi(this IServiceCollection services)
    {
        services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.SectionName).ValidateDataAnnotations()
            .Validate(o => string.IsNullOrEmpty(o.AdminKey) || o.AdminKey.Length >= ApiOptions.MinAdminKeyLength, ApiOptions.AdminKeyTooShort)
            .ValidateOnStart();
        services.AddWorkflowRuns();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ApiKeyService>();
        services.TryAddSingleton<ApiAccess>();
        services.TryAddSingleton<PublishedWorkflows>();
        // Enums as their names (document states, statuses), as the docs show them. Text as it is ("it's", "退款", "a+b"): the
        // default encoder writes every non-ASCII and HTML-sensitive character as \uXXXX, which is needed only where JSON
        // is pasted into HTML, never in an application/json body, and costs time on every answer.
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter());
            o.SerializerOptions.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        });
        services.AddProblemDetails();
        services.AddOpenApi(ApiDocument.Configure);
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database")
            .AddCheck<RedisHealthCheck>("redis")
            .AddCheck<ReadinessHealthCheck>(HealthEndpoints.ReadyTag, tags: [HealthEndpoints.ReadyTag]);
        return services;
    }

    public static IServiceCollection AddWorkflowApi(this IServiceCollection services, Action<ApiOptions> configure)
    {
        services.AddWorkflowApi();
        services.Configure(configure);
        return services;
    }
}
