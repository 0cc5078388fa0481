namespace WorkflowEngine.Execution.Middleware;

/// <summary>
/// Where a middleware sits in the node pipeline (<see cref="INodeMiddleware.Order"/>): lower runs first, i.e. further out. The runner
/// sorts by this value and keeps registration order for equal values. Events and timing are outermost (so they time and report everything,
/// cache hits included), then error handling (timeouts, plain messages), then caching, then the node.
/// Register a middleware with <c>services.TryAddEnumerable(ServiceDescriptor.Singleton&lt;INodeMiddleware, MyMiddleware&gt;())</c>.
/// </summary>
public static class NodeMiddlewareOrder
{
    public const int Events = 100;
    public const int ErrorHandling = 200;
    public const int Caching = 300;

    /// <summary>For middleware that does not say: innermost, right around the node.</summary>
    public const int Default = 1000;
}
