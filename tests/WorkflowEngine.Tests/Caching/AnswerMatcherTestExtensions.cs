using WorkflowEngine.Caching;

namespace WorkflowEngine.Tests.Caching;

/// <summary>Matchers used without a gate: a lookup's match alone, and storing without a lookup first (the matcher then
/// analyses the question itself, as it does for a lookup that carries no analysis).</summary>
internal static class AnswerMatcherTestExtensions
{
    public static async ValueTask<AnswerMatch?> FindAsync(this IAnswerMatcher matcher, AnswerScope scope, string question, MatchRule rule, CancellationToken cancellationToken) =>
        (await matcher.FindAsync(scope, question, null, rule, cancellationToken)).Match;

    public static ValueTask StoreAsync(this IAnswerMatcher matcher, AnswerScope scope, string question, string answer, TimeSpan missTime, CancellationToken cancellationToken) =>
        matcher.StoreAsync(new AnswerLookup(scope, question, null), answer, missTime, cancellationToken);

    public static ValueTask StoreAsync(this IAnswerMatcher matcher, AnswerScope scope, string question, string? asTyped, string answer, TimeSpan missTime,
        CancellationToken cancellationToken) =>
        matcher.StoreAsync(new AnswerLookup(scope, question, asTyped), answer, missTime, cancellationToken);
}
