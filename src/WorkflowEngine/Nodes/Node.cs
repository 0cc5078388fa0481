using System.Runtime.CompilerServices;
using System.Text.Json;
using WorkflowEngine.Graphs;

namespace WorkflowEngine.Nodes;

/// <summary>
/// A node type's behaviour. Nodes are pure: they read inputs and return outputs or throw; they never time themselves,
/// cache, publish events or touch UI. Those concerns are middleware around them (Execution/Middleware).
/// Derive from <see cref="Node{TConfig,TInput}"/>.
/// </summary>
public abstract class Node
{
    internal static readonly JsonSerializerOptions ConfigSerializerOptions = new(JsonSerializerDefaults.Web)
    {
        PropertyNameCaseInsensitive = true,
    };

    // Settings are parsed once per node definition (an immutable record) instead of once per run and again per validation:
    // with the per-graph validation cache this took a cached FAQ-bot run from ~121 µs to the figure in docs/benchmarks.md.
    // A parsed Config is shared by every run of the definition, so node types must treat it as read-only (they do: records).
    // Null on the constructor-less instances GraphValidator makes of types whose dependencies it lacks: those parse each time.
    private readonly ConditionalWeakTable<NodeDefinition, object>? _configs = new();

    public abstract Type ConfigType { get; }

    /// <summary>Reads the node's settings and inputs and returns a ready-to-run step. The step's
    /// <see cref="PreparedNode.InputIdentity"/> is what the cache hashes, so it must hold everything the output depends on.</summary>
    public abstract PreparedNode Prepare(NodeContext context);

    /// <summary>Like <see cref="Prepare"/>, for node types whose input identity needs I/O (the retrieve node reads the
    /// knowledge base's version). The runner calls this one.</summary>
    public virtual ValueTask<PreparedNode> PrepareAsync(NodeContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Prepare(context));

    /// <summary>Problems with a node's settings (missing required values and the like), checked by the validator.</summary>
    public virtual IEnumerable<string> ValidateSettings(NodeDefinition node) => [];

    /// <summary>The <c>{{ node.output }}</c> references this node's settings make, for validation of unknown variables.</summary>
    public virtual IEnumerable<VariableReference> GetReferences(NodeDefinition node) => [];

    /// <summary>The node's settings as this type's Config record (defaults filled in), parsed once per definition.</summary>
    /// <exception cref="JsonException">The settings do not fit the Config record (never cached, so the next call throws again).</exception>
    public object ReadConfig(NodeDefinition node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (_configs is null)
        {
            return ParseConfig(node);
        }
        if (_configs.TryGetValue(node, out var config))
        {
            return config;
        }
        config = ParseConfig(node);
        _configs.AddOrUpdate(node, config);
        return config;
    }

    private object ParseConfig(NodeDefinition node) =>
        node.Settings.ValueKind == JsonValueKind.Object
            ? node.Settings.Deserialize(ConfigType, ConfigSerializerOptions) ?? Activator.CreateInstance(ConfigType)!
            : Activator.CreateInstance(ConfigType)!;
}

/// <summary>A <c>{{ nodeId.output }}</c> reference found in a node's settings (Field names the setting, for messages).</summary>
public sealed record VariableReference(string NodeId, string Output, string Field);

/// <summary>A node ready to run: its cache identity and the work itself.</summary>
public sealed class PreparedNode(object config, object? inputIdentity, Func<CancellationToken, ValueTask<NodeResult>> execute)
{
    public object Config { get; } = config;

    /// <summary>Everything the output depends on besides settings (canonical-JSON serializable); hashed into the cache key.</summary>
    public object? InputIdentity { get; } = inputIdentity;

    public ValueTask<NodeResult> ExecuteAsync(CancellationToken cancellationToken) => execute(cancellationToken);
}

/// <summary>Base class of node types: <typeparamref name="TConfig"/> is the settings record, <typeparamref name="TInput"/> what the node reads
/// from the run (its cache identity).</summary>
public abstract class Node<TConfig, TInput> : Node where TConfig : class, new()
{
    public sealed override Type ConfigType => typeof(TConfig);

    public sealed override PreparedNode Prepare(NodeContext context)
    {
        var pending = PrepareAsync(context, CancellationToken.None);
        // Only node types that override ResolveInputAsync with real I/O ever block here; the runner uses PrepareAsync.
        return pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
    }

    public sealed override async ValueTask<PreparedNode> PrepareAsync(NodeContext context, CancellationToken cancellationToken)
    {
        var config = (TConfig)ReadConfig(context.Node);
        var input = await ResolveInputAsync(context, config, cancellationToken).ConfigureAwait(false);
        return new PreparedNode(config, input, ct => ExecuteAsync(context, config, input, ct));
    }

    public sealed override IEnumerable<string> ValidateSettings(NodeDefinition node) => Validate((TConfig)ReadConfig(node));

    public sealed override IEnumerable<VariableReference> GetReferences(NodeDefinition node) => References((TConfig)ReadConfig(node));

    /// <summary>Gathers what the node reads from earlier nodes and the request. Must be cheap and side-effect free.
    /// Override this, or <see cref="ResolveInputAsync"/> when reading the input needs I/O.</summary>
    protected virtual TInput ResolveInput(NodeContext context, TConfig config) =>
        throw new NotImplementedException($"{GetType().Name} must override ResolveInput or ResolveInputAsync.");

    /// <summary>Asynchronous form of <see cref="ResolveInput"/>; by default calls it.</summary>
    protected virtual ValueTask<TInput> ResolveInputAsync(NodeContext context, TConfig config, CancellationToken cancellationToken) =>
        ValueTask.FromResult(ResolveInput(context, config));

    protected abstract ValueTask<NodeResult> ExecuteAsync(NodeContext context, TConfig config, TInput input, CancellationToken cancellationToken);

    protected virtual IEnumerable<string> Validate(TConfig config) => [];

    protected virtual IEnumerable<VariableReference> References(TConfig config) => [];
}

/// <summary>Implemented by node types that act once the whole run has its answer (the cache gate stores it on a miss).</summary>
public interface IRunCompletionParticipant
{
    ValueTask OnRunCompletedAsync(NodeContext context, NodeResult ownResult, string answer, CancellationToken cancellationToken);
}
