namespace WorkflowTesting;

/// <summary>Shared test infrastructure lives here (redis-server fixture, fake OpenAI-compatible server).</summary>
internal static class AssemblyMarker;
