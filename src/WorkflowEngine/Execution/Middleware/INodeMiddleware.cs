using WorkflowEngine.Caching;
using WorkflowEngine.Graphs;
using WorkflowEngine.Nodes;

namespace WorkflowEngine.Execution.Middleware;

/// <summary>The next step of the node pipeline (the next middleware, or the node itself).</summary>
public delegate ValueTask<NodeExecution> NodeDelegate(NodeInvocation invocation);

/// <summary>A cross-cutting concern around every node run: events and timing, error handling, caching.
/// Ordered by <see cref="Order"/> (outermost first; see <see cref="NodeMiddlewareOrder"/>), then by registration order.</summary>
public interface INodeMiddleware
{
    /// <summary>Position in the pipeline; lower is further out. Defaults to <see cref="NodeMiddlewareOrder.Default"/> (innermost).</summary>
    int Order => NodeMiddlewareOrder.Default;

    ValueTask<NodeExecution> InvokeAsync(NodeInvocation invocation, NodeDelegate next);
}

/// <summary>One node about to run.</summary>
public sealed class NodeInvocation(NodeContext context, Node implementation, NodeTypeAttribute metadata, PreparedNode prepared, CancellationToken cancellationToken)
{
    public NodeContext Context { get; } = context;
    public NodeDefinition Node => Context.Node;
    public RunContext Run => Context.Run;
    public Node Implementation { get; } = implementation;
    public NodeTypeAttribute Metadata { get; } = metadata;
    public PreparedNode Prepared { get; } = prepared;
    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>The same invocation with another cancellation token (e.g. one that also fires on the node's timeout).</summary>
    public NodeInvocation WithCancellation(CancellationToken token) => new(Context, Implementation, Metadata, Prepared, token);
}

/// <summary>A node's result with how it was obtained.</summary>
public sealed record NodeExecution(NodeResult Result, CacheOutcome Cache);
