using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using WorkflowEngine.Llm;
using WorkflowEngine.Nodes.Types;

namespace Microsoft.Extensions.DependencyInjection;

internal static class LlmServiceCollectionExtensions
{
    /// <summary>
    /// Registers the language-model providers: <see cref="LlmOptions"/> from the <c>Llm</c> configuration section (validated at
    /// start), the <see cref="ILlmClientFactory"/>, the <see cref="OfflineResponder"/>, the <see cref="StandaloneQuestionWriter"/>, and the resilient HTTP client the
    /// OpenAI-compatible clients use (transient failures retried <see cref="LlmOptions.MaxRetries"/> times with exponential
    /// back-off, the whole call bounded by <see cref="LlmOptions.TimeoutSeconds"/>).
    /// </summary>
    public static IServiceCollection AddEngineLlm(this IServiceCollection services, Action<LlmOptions>? configure = null)
    {
        var options = services.AddOptions<LlmOptions>()
            .BindConfiguration(LlmOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton<OfflineResponder>();
        services.TryAddSingleton<ILlmProviderCatalog, NoLlmProviders>();
        services.TryAddSingleton<ILlmClientFactory, LlmClientFactory>();
        services.TryAddSingleton<LlmNode>();
        services.TryAddSingleton<StandaloneQuestionWriter>();

        services.AddHttpClient(LlmClientFactory.HttpClientName)
            // The resilience handler owns the time limit (HttpClient's own 100 s would cut long answers short).
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan)
            // Chat clients are cached and keep their HttpClient, so connections are recycled here to follow DNS changes.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            .AddResilienceHandler("llm", static (pipeline, context) =>
            {
                var llm = context.ServiceProvider.GetRequiredService<IOptions<LlmOptions>>().Value;
                // Time limits, back-off and the registry's wait for in-flight calls on disposal measure real network time, so they run
                // on the wall clock, not on the registered TimeProvider (which a test may hold still: Polly would then wait forever).
                pipeline.TimeProvider = TimeProvider.System;
                pipeline.AddTimeout(TimeSpan.FromSeconds(llm.TimeoutSeconds));
                if (llm.MaxRetries > 0)
                {
                    // Default predicate: HTTP 5xx, 408, 429, HttpRequestException and attempt timeouts.
                    pipeline.AddRetry(new HttpRetryStrategyOptions
                    {
                        MaxRetryAttempts = llm.MaxRetries,
                        BackoffType = DelayBackoffType.Exponential,
                        UseJitter = true,
                        Delay = TimeSpan.FromMilliseconds(llm.RetryDelayMilliseconds),
                        MaxDelay = TimeSpan.FromSeconds(10),
                    });
                }
            });
        return services;
    }
}
