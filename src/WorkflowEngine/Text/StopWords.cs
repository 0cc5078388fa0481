namespace WorkflowEngine.Text;

/// <summary>The word lists the engine leaves out when it compares texts, in one place.</summary>
public static class StopWords
{
    /// <summary>Function words: what search and sentence scoring leave out ("how do I get my refunds" → refund).</summary>
    public static IReadOnlySet<string> Function { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "a", "an", "the", "and", "or", "but", "is", "are", "am", "was", "were", "be", "been", "being", "to", "of", "in", "on",
        "for", "it", "its", "i", "im", "my", "me", "we", "you", "your", "yours", "our", "us", "do", "does", "did", "can", "could",
        "how", "what", "when", "where", "which", "who", "whom", "why", "with", "at", "by", "from", "this", "that", "these", "those",
        "there", "as", "will", "would", "should", "shall", "have", "has", "had", "if", "so", "then", "than", "get", "got", "into",
        "about", "any", "some", "just", "also", "he", "she", "they", "them", "their", "his", "her", "s", "t", "please", "hi", "hello",
    };

    /// <summary>Function words and the generic question frame ("how do I", "can you", "I want to"): what the semantic cache
    /// never counts as a difference between two questions, since paraphrases swap these freely. Wh-words are here on purpose:
    /// in an FAQ, "when/where is my refund" ask the same thing.</summary>
    public static IReadOnlySet<string> QuestionFrame { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "a", "an", "the", "and", "or", "but", "if", "then", "so", "than", "as", "at", "by", "for", "from", "in", "into", "of",
        "on", "onto", "to", "with", "about", "after", "before", "up", "out", "over", "off", "via", "per",
        "i", "me", "my", "mine", "myself", "we", "us", "our", "you", "your", "yours", "it", "its", "this", "that", "these",
        "those", "there", "here", "they", "them", "their", "he", "she", "him", "her", "his", "one", "someone", "something",
        "anything", "thing", "things",
        "is", "am", "are", "was", "were", "be", "been", "being", "do", "does", "did", "done", "doing", "have", "has", "had",
        "having", "can", "could", "will", "would", "shall", "should", "may", "might", "must", "get", "got", "getting",
        "gets", "want", "wants", "wanted", "need", "needs", "like", "let", "make", "please", "tell", "know", "help",
        "how", "what", "when", "where", "why", "which", "who", "whom", "whose", "long", "much", "many", "still", "just",
        "also", "too", "very", "really", "any", "some", "all", "every", "each", "own", "again", "now", "ok", "okay",
        "hi", "hello", "thanks", "thank", "way", "possible", "able", "s", "t", "ll", "re", "ve", "d", "m",
    };

    /// <summary>Chinese negations: 不 (not), 没/沒 (have not), 别 (don't), 无/無 (without), 未 (not yet), 非 (non-), 勿.</summary>
    public static IReadOnlySet<char> ChineseNegations { get; } = new HashSet<char>
        { '不', '没', '沒', '别', '別', '无', '無', '未', '非', '勿' };

    /// <summary>Characters of the Chinese question frame and particles (请问 "may I ask", 我 "I", 吗/呢 question particles,
    /// 怎么/如何 "how", 要/想/能/可以 "want, can"): like <see cref="QuestionFrame"/>, never a difference. A word made only of
    /// these (and negations) is a frame word.</summary>
    public static IReadOnlySet<char> ChineseFrame { get; } = new HashSet<char>
    {
        '请', '請', '问', '問', '我', '你', '您', '的', '了', '吗', '嗎', '呢', '吧', '啊', '呀', '么', '麼', '怎', '如', '何', '要', '想',
        '能', '可', '以', '是', '在', '个', '個', '一', '下', '有', '和', '与', '與', '把', '给', '給', '这', '這', '那', '哪', '里',
        '裡', '啥', '些', '会', '會', '该', '該', '应', '應', '办', '辦',
    };

    /// <summary>Particles, pronouns and question words that never begin or end a Chinese content word (的 of 的订 in "您的订单",
    /// 了, 吗...).</summary>
    public static IReadOnlySet<char> ChineseParticles { get; } = new HashSet<char>
    {
        '的', '了', '吗', '嗎', '呢', '吧', '啊', '呀', '么', '麼', '我', '你', '您', '请', '請', '问', '問', '这', '這', '那', '哪',
        '怎', '如', '何', '把', '给', '給', '和', '与', '與', '很', '都', '也', '就', '还', '還',
    };

    /// <summary>True for a Chinese word made only of frame characters, particles and negations (我要, 可以, 怎么, 不能, 还): it
    /// carries no subject.</summary>
    public static bool IsChineseFrameWord(string word) =>
        !string.IsNullOrEmpty(word) && word.All(c => ChineseFrame.Contains(c) || ChineseParticles.Contains(c) || ChineseNegations.Contains(c));
}
