namespace WorkflowEngine.Graphs;

/// <summary>The <see cref="ValidationProblem.Code"/> values, stable for tests and for the studio (which may pick an icon or a fix per code).
/// The plain-language <see cref="ValidationProblem.Message"/> is for people; the code is for programs.</summary>
public static class ProblemCodes
{
    // Reading the document (WorkflowJson): the problem's Path says where.
    public const string DocumentEmpty = "document.empty";
    public const string DocumentSyntax = "document.syntax";
    public const string DocumentWrongType = "document.wrong-type";
    public const string DocumentMissingField = "document.missing-field";

    // The graph (GraphValidator).
    public const string UnsupportedSchemaVersion = "schema.unsupported-version";
    public const string NoStartNode = "graph.no-start";
    public const string SeveralStartNodes = "graph.several-starts";
    public const string NoAnswerNode = "graph.no-answer";
    public const string Cycle = "graph.cycle";
    public const string DuplicateNodeId = "node.duplicate-id";
    public const string UnknownNodeType = "node.unknown-type";
    public const string UnreachableNode = "node.unreachable";
    public const string MissingNode = "edge.missing-node";
    public const string UnknownPort = "edge.unknown-port";
    public const string PortRequired = "edge.port-required";
    public const string InvalidSetting = "settings.invalid";
    public const string MalformedSettings = "settings.malformed";
    public const string UnknownTemplateNode = "template.unknown-node";
    public const string TemplateNodeNotUpstream = "template.not-upstream";
    public const string UnknownTemplateOutput = "template.unknown-output";
    public const string InvalidTtl = "cache.invalid-ttl";
}
