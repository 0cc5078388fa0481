namespace WorkflowEngine.Caching.Semantic;

/// <summary>A previously answered question in the semantic cache.</summary>
/// <param name="Id">Stable id (hash of the scope and normalized text), also the Redis field name.</param>
/// <param name="Question">The question as the user typed it (case marks product and place names).</param>
/// <param name="NormalizedText">The cleaned question (the clean node's output): equal text is always a hit.</param>
/// <param name="Embedding">L2-normalised embedding of <paramref name="NormalizedText"/>.</param>
/// <param name="TopDocument">The knowledge-base document the question retrieved first; null when retrieval found nothing.</param>
/// <param name="Answer">The answer that was given.</param>
/// <param name="CreatedAt">When it was stored.</param>
/// <param name="MissMilliseconds">How long the run that produced the answer took: what a hit saves.</param>
/// <param name="ConfirmingDocument">The document a second, independent embedding model ranked first among the same retrieved
/// chunks (<see cref="IRetrievalConfirmation"/>); null when there is no second model or nothing was retrieved.</param>
public sealed record SemanticEntry(
    string Id,
    string Question,
    string NormalizedText,
    float[] Embedding,
    string? TopDocument,
    string Answer,
    DateTimeOffset CreatedAt,
    double MissMilliseconds = 0,
    string? ConfirmingDocument = null)
{
    /// <summary>The best vector score of the question's retrieval (<see cref="SemanticQuery.RetrievalScore"/>); 0 when unknown.</summary>
    public double RetrievalScore { get; init; }

    /// <summary>How far <see cref="TopDocument"/> led the next document (<see cref="SemanticQuery.RetrievalMargin"/>); 0 when unknown.</summary>
    public double RetrievalMargin { get; init; }

    /// <summary>The question's retrieval over documents (<see cref="SemanticRetrieval.Profile"/>); null when unknown.</summary>
    public IReadOnlyDictionary<string, double>? RetrievalProfile { get; init; }

    /// <summary>The second model ranked the same top document first: the entry's article is not a one-model guess.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool RetrievalConfirmed => TopDocument is not null && string.Equals(TopDocument, ConfirmingDocument, StringComparison.Ordinal);
}

/// <summary>A new question to look up: the same facts as an entry, without the answer.</summary>
public sealed record SemanticQuery(string Question, string NormalizedText, float[] Embedding, string? TopDocument)
{
    private QuestionFeatures? _features;

    /// <summary>How far <see cref="TopDocument"/> leads the next document in the retrieval (vector score); 1 when unknown.</summary>
    public double RetrievalMargin { get; init; } = 1;

    /// <summary>The best vector score (cosine) among the chunks retrieved for this question: how well the knowledge base
    /// covers it; 0 when unknown.</summary>
    public double RetrievalScore { get; init; }

    /// <summary>The question's retrieval over documents (<see cref="SemanticRetrieval.Profile"/>); null when unknown.</summary>
    public IReadOnlyDictionary<string, double>? RetrievalProfile { get; init; }

    /// <summary>The (stemmed) words of the knowledge-base text retrieved for this question (<see cref="SemanticRetrieval.Terms"/>);
    /// null when unknown. Lets the substitution check tell the knowledge base's own specifics from the asker's wording.</summary>
    public IReadOnlySet<string>? KnowledgeTerms { get; init; }

    /// <summary>The (stemmed) words of <see cref="TopDocument"/>'s retrieved chunks; null when unknown.</summary>
    public IReadOnlySet<string>? ArticleTerms { get; init; }

    /// <summary>Per word of the retrieved text, in how many retrieved documents it occurs; null when unknown.</summary>
    public IReadOnlyDictionary<string, int>? TermDocumentCounts { get; init; }

    /// <summary>The (stemmed) words of the runner-up articles that came close to <see cref="TopDocument"/>
    /// (<see cref="SemanticRetrieval.ContenderTerms"/>); null when unknown (then any retrieved article counts).</summary>
    public IReadOnlySet<string>? ContenderTerms { get; init; }

    /// <summary>The document a second, independent embedding model ranks first among the same retrieved chunks
    /// (<see cref="IRetrievalConfirmation"/>); null when unknown or not computed yet (see <see cref="ConfirmingDocumentSource"/>).</summary>
    public string? ConfirmingDocument { get; init; }

    /// <summary>Computes <see cref="ConfirmingDocument"/> on demand: the second model costs an embedding (~4 ms), so the
    /// matcher asks for it only when it could change the decision. Null when there is no second model.</summary>
    public Func<CancellationToken, ValueTask<string?>>? ConfirmingDocumentSource { get; init; }

    /// <summary>Whether the second model also ranks <see cref="TopDocument"/> first; computes it (once) when needed.</summary>
    public async ValueTask<bool> IsRetrievalConfirmedAsync(CancellationToken cancellationToken = default)
    {
        if (TopDocument is null)
        {
            return false;
        }

        var document = ConfirmingDocument;
        if (document is null && ConfirmingDocumentSource is { } source)
        {
            _confirming ??= source(cancellationToken).AsTask();
            document = await _confirming.ConfigureAwait(false);
        }

        return string.Equals(TopDocument, document, StringComparison.Ordinal);
    }

    private Task<string?>? _confirming;

    /// <summary>Whether the second opinion was asked for (it costs an embedding); for the evaluation's statistics.</summary>
    public bool ConfirmationRequested => _confirming is not null;

    public QuestionFeatures Features => _features ??= QuestionFeatures.From(Question);
}

/// <summary>A cached entry the index found near a query, with its similarity (cosine, or CJK bigram similarity for Chinese).</summary>
public sealed record SemanticCandidate(SemanticEntry Entry, QuestionFeatures Features, double Similarity);

/// <summary>One check the matcher ran on a candidate, in plain words for the trace and tooltip.</summary>
public sealed record MatchCheck(string Name, bool Passed, string Detail);

/// <summary>The matcher's verdict and why.</summary>
/// <param name="IsHit">True when <see cref="Entry"/>'s answer may be served.</param>
/// <param name="Entry">The matched entry on a hit; on a miss the nearest candidate, if any.</param>
/// <param name="Similarity">Similarity to <see cref="Entry"/> (0 when there was none).</param>
/// <param name="Checks">The checks run on <see cref="Entry"/>, passed and failed.</param>
/// <param name="Reason">One plain sentence: why it matched or not.</param>
public sealed record MatchDecision(bool IsHit, SemanticEntry? Entry, double Similarity, IReadOnlyList<MatchCheck> Checks, string Reason)
{
    /// <summary>The calibrated decision's hit probability (<see cref="HitModel"/>); null for rule decisions and exact matches.</summary>
    public double? HitProbability { get; init; }

    /// <summary>The calibrated decision's features (<see cref="HitFeatures.Names"/>); null otherwise.</summary>
    public IReadOnlyList<double>? Features { get; init; }

    /// <summary>Calibrated decision: every check passed (or was waived), before the probability was compared.</summary>
    public bool RulesHold { get; init; }

    public static MatchDecision Empty { get; } = new(false, null, 0, [], "Nothing has been cached yet for this node.");
}
