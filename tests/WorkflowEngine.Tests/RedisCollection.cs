using WorkflowTesting;

namespace WorkflowEngine.Tests;

/// <summary>One real redis-server shared by every test class marked [Collection(RedisServer.Collection)].</summary>
[CollectionDefinition(RedisServer.Collection)]
public sealed class RedisCollection : ICollectionFixture<RedisServer>;
