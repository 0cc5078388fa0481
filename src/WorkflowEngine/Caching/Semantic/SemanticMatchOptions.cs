using System.ComponentModel.DataAnnotations;

namespace WorkflowEngine.Caching.Semantic;

/// <summary>Settings of <see cref="SemanticMatcher"/>. Defaults were chosen by measurement (docs/benchmarks.md, "Semantic cache").</summary>
public sealed class SemanticMatchOptions
{
    /// <summary>Minimum cosine similarity of the two questions' embeddings (English and other non-CJK text).</summary>
    /// <value>0.40. The cache node's <c>threshold</c> setting overrides it.</value>
    [Range(0.0, 1.0)]
    public double Threshold { get; set; } = 0.40;

    /// <summary>Minimum character-bigram similarity (Dice) for Chinese, Japanese and Korean questions.</summary>
    /// <value>0.5</value>
    [Range(0.0, 1.0)]
    public double CjkThreshold { get; set; } = 0.5;

    /// <summary>How much closer the match must be than the nearest cached question with a different answer.</summary>
    /// <value>0.03</value>
    [Range(0.0, 1.0)]
    public double MinMargin { get; set; } = 0.03;

    /// <summary>Require that both questions retrieved the same top knowledge-base document.</summary>
    /// <value>true</value>
    public bool RequireRetrievalAgreement { get; set; } = true;

    /// <summary>Miss when one question is negated and the other is not ("can I" vs "can't I").</summary>
    /// <value>true</value>
    public bool CheckNegation { get; set; } = true;

    /// <summary>Miss when the questions mention different numbers ("2 days" vs "5 days").</summary>
    /// <value>true</value>
    public bool CheckNumbers { get; set; } = true;

    /// <summary>Miss when the cached question names a product or place the new one does not.</summary>
    /// <value>true</value>
    public bool CheckEntities { get; set; } = true;

    /// <summary>Miss when the questions share a frame but each has its own subject words ("accidental damage" vs "wear and tear").</summary>
    /// <value>true</value>
    public bool CheckSubstitution { get; set; } = true;

    /// <summary>With swapped subject words, how similar (cosine of the swapped words' embeddings) they must be to count as synonyms.</summary>
    /// <value>0.4</value>
    [Range(0.0, 1.0)]
    public double SubstitutionSimilarity { get; set; } = 0.4;

    /// <summary>Miss when the cached question has subject words the new one lacks and the new one adds none
    /// ("where is my parcel" must not get the answer to "can my parcel go to a different address").</summary>
    /// <value>true</value>
    public bool CheckGeneralization { get; set; } = true;

    /// <summary>Minimum knowledge-base search score for a question's top document to count (below it: nothing retrieved).</summary>
    /// <value>0.2, the sample bot's retrieve <c>minScore</c>.</value>
    [Range(0.0, 1.0)]
    public double RetrievalMinScore { get; set; } = 0.2;

    /// <summary>How many nearest entries are examined before giving up.</summary>
    /// <value>5</value>
    [Range(1, 100)]
    public int MaxCandidates { get; set; } = 5;

    /// <summary>Configuration section: <c>Engine:Cache:Semantic</c>.</summary>
    public const string SectionName = "Engine:Cache:Semantic";

    /// <summary>A copy, with the gate's own threshold when it sets one.</summary>
    public SemanticMatchOptions With(double? threshold) =>
        new()
        {
            Threshold = threshold ?? Threshold,
            CjkThreshold = CjkThreshold,
            MinMargin = MinMargin,
            RequireRetrievalAgreement = RequireRetrievalAgreement,
            CheckNegation = CheckNegation,
            CheckNumbers = CheckNumbers,
            CheckEntities = CheckEntities,
            CheckSubstitution = CheckSubstitution,
            SubstitutionSimilarity = SubstitutionSimilarity,
            CheckGeneralization = CheckGeneralization,
            MaxCandidates = MaxCandidates,
            RetrievalMinScore = RetrievalMinScore,
        };
}
