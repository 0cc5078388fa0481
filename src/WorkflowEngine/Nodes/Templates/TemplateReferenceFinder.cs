using Fluid;
using Fluid.Ast;
using Fluid.Values;

namespace WorkflowEngine.Nodes.Templates;

/// <summary>
/// Finds the <c>{{ nodeId.output }}</c> references of a template, for validation ("template variables that no upstream node provides").
/// Walks Fluid's syntax tree, so references inside tags (<c>{% if retrieve.found %}</c>, <c>{% for c in retrieve.chunks %}</c>, filters)
/// count, while names the template defines itself (loop variables, <c>assign</c>, <c>capture</c>, <c>forloop</c>) do not.
/// </summary>
public static class TemplateReferenceFinder
{
    /// <summary>The node-output references in <paramref name="template"/>, each once, in order of first use. <paramref name="field"/> names
    /// the setting the template came from (for messages). A bare <c>{{ start }}</c> gives a reference with an empty <see cref="VariableReference.Output"/>.
    /// A template with a syntax error gives no references (use <see cref="TemplateRenderer.GetSyntaxError"/> to report it).</summary>
    public static IReadOnlyList<VariableReference> Find(string? template, string field)
    {
        if (string.IsNullOrEmpty(template))
        {
            return [];
        }
        TemplateRenderer.ParsedTemplate parsed;
        try
        {
            parsed = TemplateRenderer.GetParsed(template);
        }
        catch (TemplateSyntaxException)
        {
            return [];
        }
        return [.. parsed.References.Select(r => new VariableReference(r.Root, r.Member ?? "", field)).Distinct()];
    }

    /// <summary>Largest <c>(a..b)</c> range a template may use: Fluid builds the whole range in memory before its step limit applies.</summary>
    internal const int MaxRangeSize = 10_000;

    internal static IReadOnlyList<RawReference> Collect(IFluidTemplate template)
    {
        var visitor = new Collector();
        visitor.VisitTemplate(template);
        if (visitor.UnsafeRange)
        {
            throw new TemplateSyntaxException($"The template uses a range (a..b) that is not two numbers at most {MaxRangeSize} apart; such ranges are not allowed.");
        }
        return [.. visitor.References.Where(r => !visitor.Locals.Contains(r.Root)).Distinct()];
    }

    internal sealed record RawReference(string Root, string? Member);

    private sealed class Collector : AstVisitor
    {
        public List<RawReference> References { get; } = [];

        /// <summary>Names the template defines itself; Liquid's scoping is loose, so any use of such a name is not a node reference.</summary>
        public HashSet<string> Locals { get; } = new(StringComparer.Ordinal) { "forloop", "tablerowloop", "empty", "blank" };

        protected override Expression VisitMemberExpression(MemberExpression memberExpression)
        {
            if (memberExpression.Segments is [IdentifierSegment root, ..])
            {
                var member = memberExpression.Segments.Count > 1 && memberExpression.Segments[1] is IdentifierSegment second ? second.Identifier : null;
                References.Add(new RawReference(root.Identifier, member));
            }
            return base.VisitMemberExpression(memberExpression);
        }

        public bool UnsafeRange { get; private set; }

        protected override Expression VisitRangeExpression(RangeExpression rangeExpression)
        {
            if (rangeExpression is not { From: LiteralExpression { Value: NumberValue from }, To: LiteralExpression { Value: NumberValue to } }
                || Math.Abs(to.ToNumberValue() - from.ToNumberValue()) > MaxRangeSize)
            {
                UnsafeRange = true;
            }
            return base.VisitRangeExpression(rangeExpression);
        }

        protected override Statement VisitForStatement(ForStatement forStatement)
        {
            Locals.Add(forStatement.Identifier);
            return base.VisitForStatement(forStatement);
        }

        protected override Statement VisitTableRowStatement(TableRowStatement tableRowStatement)
        {
            Locals.Add(tableRowStatement.Identifier);
            return base.VisitTableRowStatement(tableRowStatement);
        }

        protected override Statement VisitAssignStatement(AssignStatement assignStatement)
        {
            Locals.Add(assignStatement.Identifier);
            return base.VisitAssignStatement(assignStatement);
        }

        protected override Statement VisitCaptureStatement(CaptureStatement captureStatement)
        {
            Locals.Add(captureStatement.Identifier);
            return base.VisitCaptureStatement(captureStatement);
        }

        protected override Statement VisitIncrementStatement(IncrementStatement incrementStatement)
        {
            Locals.Add(incrementStatement.Identifier);
            return base.VisitIncrementStatement(incrementStatement);
        }

        protected override Statement VisitDecrementStatement(DecrementStatement decrementStatement)
        {
            Locals.Add(decrementStatement.Identifier);
            return base.VisitDecrementStatement(decrementStatement);
        }
    }
}
