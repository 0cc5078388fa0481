using System.ClientModel;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenAI;
using WorkflowEngine.Knowledge;
using WorkflowEngine.Llm;
using WorkflowEngine.Persistence;

namespace Microsoft.Extensions.DependencyInjection;

internal static class KnowledgeServiceCollectionExtensions
{
    /// <summary>Knowledge bases and their search. Embeddings come from the built-in MiniLM model unless <c>Embeddings:BaseUrl</c>
    /// names an OpenAI-compatible endpoint (<see cref="EmbeddingOptions"/>). Needs <c>AddStudioPersistence</c>.</summary>
    public static IServiceCollection AddEngineKnowledge(this IServiceCollection services)
    {
        services.AddOptions<EmbeddingOptions>()
            .BindConfiguration(EmbeddingOptions.SectionName)
            .Validate(o => string.IsNullOrWhiteSpace(o.BaseUrl) || Uri.TryCreate(o.BaseUrl, UriKind.Absolute, out _),
                "Embeddings:BaseUrl must be an absolute URL such as https://api.openai.com/v1.")
            .Validate(o => string.IsNullOrWhiteSpace(o.BaseUrl) || !string.IsNullOrWhiteSpace(o.Model), "Embeddings:Model is required with Embeddings:BaseUrl.")
            .Validate<IOptions<LlmOptions>>((o, llm) => string.IsNullOrWhiteSpace(o.BaseUrl) || LlmAllowedHosts.Allows(llm.Value.AllowedHosts, o.BaseUrl),
                "Embeddings:BaseUrl is not on Llm:AllowedHosts: add its host there or use the built-in embedding model.")
            .ValidateOnStart();
        services.AddOptions<KnowledgeOptions>().BindConfiguration(KnowledgeOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<MiniLmEmbeddingGenerator>();
        services.TryAddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<EmbeddingOptions>>().Value;
            if (string.IsNullOrWhiteSpace(options.BaseUrl))
            {
                return new RecentEmbeddingsGenerator(sp.GetRequiredService<MiniLmEmbeddingGenerator>());
            }
            if (!LlmAllowedHosts.Allows(sp.GetRequiredService<IOptions<LlmOptions>>().Value.AllowedHosts, options.BaseUrl))
            {
                throw new InvalidOperationException(LlmClientFactory.NotAllowedMessage(options.BaseUrl));
            }
            var client = new OpenAIClient(
                new ApiKeyCredential(string.IsNullOrEmpty(options.ApiKey) ? "none" : options.ApiKey),
                new OpenAIClientOptions { Endpoint = new Uri(options.BaseUrl) });
            return new RecentEmbeddingsGenerator(client.GetEmbeddingClient(options.Model).AsIEmbeddingGenerator());
        });
        services.TryAddSingleton<KnowledgeBaseService>();
        services.TryAddSingleton<SimpleKeywordSearch>();
        // Replaces the execution area's fallback: the real store whenever the studio's persistence is registered (it may be added after
        // this call), the in-memory keyword search otherwise (engine-only hosts and tests without a database).
        services.Replace(ServiceDescriptor.Singleton<IKnowledgeSearch>(sp =>
            sp.GetService<IDbContextFactory<StudioDbContext>>() is null
                ? sp.GetRequiredService<SimpleKeywordSearch>()
                : sp.GetRequiredService<KnowledgeBaseService>()));
        return services;
    }
}
