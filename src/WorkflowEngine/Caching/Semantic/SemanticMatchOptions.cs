using System.ComponentModel.DataAnnotations;

namespace WorkflowEngine.Caching.Semantic;

/// <summary>Settings of <see cref="SemanticMatcher"/>. Defaults were chosen by measurement (docs/benchmarks.md, "Semantic cache").</summary>
public sealed class SemanticMatchOptions
{
    /// <summary>Minimum cosine similarity of the two questions' embeddings (English and other non-CJK text).</summary>
    /// <value>0.25 (measured: 0.20–0.25 serve the most paraphrases on faq-dev, the sample set and the check set, all at
    /// 100 % precision). The cache node's <c>threshold</c> setting overrides it.</value>
    [Range(0.0, 1.0)]
    public double Threshold { get; set; } = 0.25;

    /// <summary>Minimum character-bigram similarity (Dice) for Chinese, Japanese and Korean questions.</summary>
    /// <value>0.5</value>
    [Range(0.0, 1.0)]
    public double CjkThreshold { get; set; } = 0.5;

    /// <summary>Minimum character-bigram similarity for CJK questions when both retrieve the same knowledge-base article
    /// (which then vouches for the intent, as the embedding cannot); the substitution check then compares the two questions'
    /// words that the knowledge base uses.</summary>
    /// <value>0.25</value>
    [Range(0.0, 1.0)]
    public double CjkAgreedThreshold { get; set; } = 0.25;

    /// <summary>How much closer the match must be than the nearest cached question with a different answer.</summary>
    /// <value>0.03</value>
    [Range(0.0, 1.0)]
    public double MinMargin { get; set; } = 0.03;

    /// <summary>Require that both questions retrieved the same top knowledge-base document.</summary>
    /// <value>true</value>
    public bool RequireRetrievalAgreement { get; set; } = true;

    /// <summary>Pick each question's document by the vector ranking of the hybrid search's chunks (true) or by the fused
    /// ranking itself (false). See <see cref="SemanticRetrieval"/>.</summary>
    /// <value>true</value>
    public bool RetrievalByVector { get; set; } = true;

    /// <summary>How far (vector score) the new question's document must lead the next document for the retrieval check to
    /// count: when two articles are about equally close, retrieval is a guess and agreeing on a guess proves nothing.</summary>
    /// <value>0</value>
    [Range(0.0, 1.0)]
    public double MinRetrievalMargin { get; set; }

    /// <summary>Ask a second, independent embedding model (arctic-embed-xs, <see cref="ArcticRetrievalConfirmation"/>) which
    /// retrieved article a question is about, when that could turn a miss into a hit (see <see cref="ConfirmedRetrievalWaivesMargin"/>).
    /// Costs one more embedding (~4 ms) on those lookups only, and the model's memory (~90 MB) once loaded.</summary>
    /// <value>true</value>
    public bool SecondModel { get; set; } = true;

    /// <summary>When a second, independent embedding model (<see cref="IRetrievalConfirmation"/>) ranks the same article first
    /// for the new question and for the cached one, and it is the article both retrieved, closer cached questions from other
    /// articles do not block the match (the margin check): a near-tie between two cached questions is then a quirk of one
    /// model's question-to-question similarity, not a retrieval mistake.</summary>
    /// <value>true</value>
    public bool ConfirmedRetrievalWaivesMargin { get; set; } = true;

    /// <summary>As <see cref="ConfirmedRetrievalWaivesMargin"/>, for the coverage check (another guard against retrieval mistakes).</summary>
    /// <value>false (measured: it served 2 more faq-dev paraphrases but removed the guard that caught "Is accidental damage
    /// covered?", which both models retrieve as the damaged-items article)</value>
    public bool ConfirmedRetrievalWaivesCoverage { get; set; }

    /// <summary>For <see cref="ConfirmedRetrievalWaivesMargin"/>: the cached question's article must be confirmed too (not only
    /// the new question's).</summary>
    /// <value>true</value>
    public bool ConfirmationRequiresEntry { get; set; } = true;

    /// <summary>Miss when one question is negated and the other is not ("can I" vs "can't I").</summary>
    /// <value>true</value>
    public bool CheckNegation { get; set; } = true;

    /// <summary>A negation counts only when what it negates is asked in both questions ("can't I <b>return</b>" vs "can I
    /// <b>return</b>"); "my code doesn't work" vs "where do I enter a code" differ in wording, not polarity. Off: any difference
    /// in negation is a miss. CJK text always uses the strict rule.</summary>
    /// <value>true</value>
    public bool ScopedNegation { get; set; } = true;

    /// <summary>Miss when the questions mention different numbers ("2 days" vs "5 days").</summary>
    /// <value>true</value>
    public bool CheckNumbers { get; set; } = true;

    /// <summary>For <see cref="CheckNumbers"/>: a number only the new question has is an added detail (like an added word)
    /// when the cached question has no numbers and the two are worded differently throughout (shared wording below
    /// <see cref="SubstitutionMinFrame"/>); still a miss for "Can I return 2 items?" vs "Can I return items?".</summary>
    /// <value>true</value>
    public bool NumbersAddedInOtherWordsAllowed { get; set; } = true;

    /// <summary>Miss when the cached question names a product or place the new one does not.</summary>
    /// <value>true</value>
    public bool CheckEntities { get; set; } = true;

    /// <summary>For <see cref="CheckEntities"/>: also miss when the new question names a product or place that neither the
    /// cached question nor the agreed article mentions ("can you send orders to Canada" agreeing on the change-address article).</summary>
    /// <value>true</value>
    public bool CheckAddedEntities { get; set; } = true;

    /// <summary>Miss when the questions share a frame but each has its own subject words ("accidental damage" vs "wear and tear").</summary>
    /// <value>true</value>
    public bool CheckSubstitution { get; set; } = true;

    /// <summary>Swapped subject words count as different specifics only when the knowledge base uses words of both sides in
    /// the text retrieved for the question (it mentions "accidental damage" and "wear and tear": asking about one is not asking
    /// about the other). When one side's words never occur there, they are the asker's wording for what the articles call
    /// something else ("payment options" vs "payment methods"), which retrieval has already matched. Off: every swap needs
    /// <see cref="SubstitutionSimilarity"/>.</summary>
    /// <value>true</value>
    public bool GroundSubstitution { get; set; } = true;

    /// <summary>Swapped words count as different specifics only when the two questions are one sentence with a slot swapped:
    /// they share at least this share of their wording in order (<see cref="QuestionFeatures.FrameOverlap"/>; "does the
    /// warranty cover accidental damage" / "… wear and tear": 0.57). Questions worded differently throughout ("sign up for an
    /// account" / "how do I create an account": 0.33) differ in wording, not in specifics; retrieval agreement, similarity and
    /// margin already vouch for their intent. 0 = every swap is checked.</summary>
    /// <value>0.5</value>
    [Range(0.0, 1.0)]
    public double SubstitutionMinFrame { get; set; } = 0.5;

    /// <summary>Miss when a word of the new question (not in the cached one) is used by the knowledge base, but not in the
    /// article both questions retrieved: the question asks about something another article covers ("check the balance on my
    /// voucher" retrieving the discount-code article, while "balance" is a gift-card word), so the article match is doubtful.</summary>
    /// <value>true</value>
    public bool CheckCoverage { get; set; } = true;

    /// <summary>For <see cref="CheckCoverage"/>: a word counts as pointing to another article when it occurs in at most this
    /// many of the retrieved documents (a distinctive word), none of them the agreed one.</summary>
    /// <value>1</value>
    [Range(1, 100)]
    public int CoverageMaxDocuments { get; set; } = 1;

    /// <summary>For <see cref="CheckCoverage"/>: only articles whose best vector score came within this of the agreed
    /// article's count as "another article" (retrieval was torn between them); 1 = any retrieved article.</summary>
    /// <value>0.25 (measured: 0.20 is the smallest gap that keeps the sample set's precision at 100 %; 1 costs 4 dev paraphrases)</value>
    [Range(0.0, 1.0)]
    public double CoverageContenderGap { get; set; } = 0.25;

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

    /// <summary>A question whose best hybrid score is below <see cref="RetrievalMinScore"/> still found its document when a
    /// chunk's vector score (cosine) reaches this: paraphrases that share no word with the article ("deactivate my profile")
    /// score low on keywords but close in meaning. Out-of-scope questions stay well below it (≤ 0.31 on the dev set).</summary>
    /// <value>0.40</value>
    [Range(0.0, 1.0)]
    public double RetrievalMinVectorScore { get; set; } = 0.40;

    /// <summary>How the hit is decided once a candidate reaches <see cref="Threshold"/>: by the calibrated hit probability
    /// (<see cref="HitModel"/>, which weighs every check and score together) or by the rules alone (every check must pass).</summary>
    /// <value><see cref="SemanticDecision.Calibrated"/></value>
    public SemanticDecision Decision { get; set; } = SemanticDecision.Calibrated;

    /// <summary>For <see cref="SemanticDecision.Calibrated"/>: which of <see cref="HitModel"/>'s probability thresholds a hit needs.</summary>
    /// <value><see cref="MatchStrictness.Balanced"/>: the point with ≥ 99 % of hits correct and no out-of-scope hit on the data
    /// the model was fitted on.</value>
    public MatchStrictness Strictness { get; set; } = MatchStrictness.Balanced;

    /// <summary>For <see cref="SemanticDecision.Calibrated"/>: a probability threshold that overrides <see cref="Strictness"/>
    /// (the evaluation tool's trade-off curve); null = the strictness's own.</summary>
    [Range(0.0, 1.0)]
    public double? HitProbability { get; set; }

    /// <summary>How many nearest entries are examined before giving up.</summary>
    /// <value>5</value>
    [Range(1, 100)]
    public int MaxCandidates { get; set; } = 5;

    /// <summary>Cache scopes (workflow, gate, settings, knowledge-base versions) whose entries are indexed in this process; the
    /// least recently used scope's index is dropped when another is needed. Memory only: it takes no part in hit decisions.</summary>
    /// <value>1000</value>
    [Range(1, 1_000_000)]
    public int MaxIndexedScopes { get; set; } = 1000;

    /// <summary>Configuration section: <c>Engine:Cache:Semantic</c>.</summary>
    public const string SectionName = "Engine:Cache:Semantic";

    /// <summary>A copy, with the gate's own threshold and strictness when it sets them.</summary>
    /// <remarks>Every property is copied; a new setting must be added here too.</remarks>
    public SemanticMatchOptions With(double? threshold, MatchStrictness? strictness = null) =>
        new()
        {
            Threshold = threshold ?? Threshold,
            CjkThreshold = CjkThreshold,
            CjkAgreedThreshold = CjkAgreedThreshold,
            MinMargin = MinMargin,
            RequireRetrievalAgreement = RequireRetrievalAgreement,
            RetrievalByVector = RetrievalByVector,
            MinRetrievalMargin = MinRetrievalMargin,
            SecondModel = SecondModel,
            ConfirmedRetrievalWaivesMargin = ConfirmedRetrievalWaivesMargin,
            ConfirmationRequiresEntry = ConfirmationRequiresEntry,
            ConfirmedRetrievalWaivesCoverage = ConfirmedRetrievalWaivesCoverage,
            CheckNegation = CheckNegation,
            ScopedNegation = ScopedNegation,
            GroundSubstitution = GroundSubstitution,
            SubstitutionMinFrame = SubstitutionMinFrame,
            CheckCoverage = CheckCoverage,
            CoverageMaxDocuments = CoverageMaxDocuments,
            CoverageContenderGap = CoverageContenderGap,
            CheckNumbers = CheckNumbers,
            NumbersAddedInOtherWordsAllowed = NumbersAddedInOtherWordsAllowed,
            CheckEntities = CheckEntities,
            CheckAddedEntities = CheckAddedEntities,
            CheckSubstitution = CheckSubstitution,
            SubstitutionSimilarity = SubstitutionSimilarity,
            CheckGeneralization = CheckGeneralization,
            MaxCandidates = MaxCandidates,
            MaxIndexedScopes = MaxIndexedScopes,
            Decision = Decision,
            Strictness = strictness ?? Strictness,
            HitProbability = HitProbability,
            RetrievalMinScore = RetrievalMinScore,
            RetrievalMinVectorScore = RetrievalMinVectorScore,
        };
}

/// <summary>How <see cref="SemanticMatcher"/> turns its checks into hit or miss.</summary>
public enum SemanticDecision
{
    /// <summary>A logistic model fitted offline (<see cref="HitModel"/>) weighs the checks and scores into a hit probability.</summary>
    Calibrated,

    /// <summary>Every check must pass (the hand-set rules; kept for comparison and for the evaluation tool).</summary>
    Rules,
}
