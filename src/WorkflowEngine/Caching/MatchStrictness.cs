namespace WorkflowEngine.Caching;

/// <summary>How sure the calibrated decision must be before it serves a cached answer (see <see cref="HitModel"/>).</summary>
public enum MatchStrictness
{
    /// <summary>More hits, and more wrong answers: ≥ 95 % of hits correct where the model was fitted.</summary>
    Lenient,

    /// <summary>≥ 99 % of hits correct and no out-of-scope hit where the model was fitted.</summary>
    Balanced,

    /// <summary>Fewer hits, for answers where a wrong one is costly: no wrong hit where the model was fitted, with room to spare.</summary>
    Strict,
}
