using System.Net;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WorkflowEngine.Http;

namespace Microsoft.Extensions.DependencyInjection;

internal static class HttpRequestServiceCollectionExtensions
{
    /// <summary>Registers what the HTTP request step uses: <see cref="HttpRequestStepOptions"/> from the <c>HttpRequests</c> section
    /// (validated at start), the <see cref="HttpRequestSender"/> and its HTTP client (no redirects, the sender owns time limits).</summary>
    public static IServiceCollection AddEngineHttpRequests(this IServiceCollection services, Action<HttpRequestStepOptions>? configure = null)
    {
        var options = services.AddOptions<HttpRequestStepOptions>()
            .BindConfiguration(HttpRequestStepOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }
        services.TryAddSingleton<HttpRequestSender>();
        services.AddHttpClient(HttpRequestSender.HttpClientName)
            // The sender's resilience pipeline owns the time limits (per attempt and in all).
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // A redirect could lead to a host the allowed hosts do not name: a 3xx is an answer like any other.
                AllowAutoRedirect = false,
                // The size limit applies to the decompressed body, so compression cannot smuggle a large answer in.
                AutomaticDecompression = DecompressionMethods.All,
                // Clients are reused, so connections are recycled to follow DNS changes.
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            });
        return services;
    }
}
