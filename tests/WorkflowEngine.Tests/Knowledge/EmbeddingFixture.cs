using WorkflowEngine.Knowledge;

namespace WorkflowEngine.Tests.Knowledge;

/// <summary>One loaded MiniLM model for all tests that need embeddings (loading takes about a second).</summary>
public sealed class EmbeddingFixture : IDisposable
{
    public MiniLmEmbeddingGenerator Generator { get; } = new();

    public void Dispose() => Generator.Dispose();
}

[CollectionDefinition(Name)]
public sealed class EmbeddingCollection : ICollectionFixture<EmbeddingFixture>
{
    public const string Name = "Embeddings";
}
