using System.Numerics.Tensors;
using Microsoft.Extensions.AI;

namespace WorkflowEngine.Nodes.Types;

public sealed partial class ClassifyNode
{
    /// <summary>The embedded example phrases of one settings record's classes. A question's score for a class is its cosine
    /// similarity to the nearest of the class's examples: with a handful of examples per class this beat comparing with the
    /// class's mean vector (bench/ClassifyEval, docs/benchmarks.md "Classify step"), since a class such as "account" spans
    /// several topics whose mean is close to none of them.</summary>
    public sealed class ExampleIndex
    {
        private readonly (string Class, float[][] Vectors)[] _classes;

        private ExampleIndex((string, float[][])[] classes) => _classes = classes;

        /// <summary>Embeds the examples in one batch. <paramref name="examples"/>[i] belongs to <paramref name="classes"/>[i];
        /// blank classes and examples are left out, and at most <see cref="MaxExamplesPerClass"/> examples are kept per class.</summary>
        public static async Task<ExampleIndex> BuildAsync(IEmbeddingGenerator<string, Embedding<float>> embeddings, IReadOnlyList<string> classes,
            IReadOnlyList<IReadOnlyList<string>> examples, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(embeddings);
            var texts = new List<string>();
            var counts = new int[classes.Count];
            for (var i = 0; i < classes.Count; i++)
            {
                if (string.IsNullOrWhiteSpace(classes[i]) || i >= examples.Count)
                {
                    continue;
                }
                foreach (var example in examples[i].Where(e => !string.IsNullOrWhiteSpace(e)).Select(e => e.Trim()).Distinct(StringComparer.Ordinal).Take(MaxExamplesPerClass))
                {
                    texts.Add(example);
                    counts[i]++;
                }
            }
            var vectors = texts.Count == 0 ? [] : await embeddings.GenerateAsync(texts, cancellationToken: cancellationToken).ConfigureAwait(false);
            var result = new List<(string, float[][])>(classes.Count);
            var next = 0;
            for (var i = 0; i < classes.Count; i++)
            {
                if (counts[i] == 0)
                {
                    continue;
                }
                result.Add((classes[i].Trim(), [.. vectors.Skip(next).Take(counts[i]).Select(v => v.Vector.ToArray())]));
                next += counts[i];
            }
            return new ExampleIndex([.. result]);
        }

        /// <summary>Every class with examples and its score (similarity to its nearest example), best first; ties keep class order.</summary>
        public IReadOnlyList<ClassScore> Score(ReadOnlySpan<float> question)
        {
            var scores = new ClassScore[_classes.Length];
            for (var i = 0; i < _classes.Length; i++)
            {
                var best = double.NegativeInfinity;
                foreach (var vector in _classes[i].Vectors)
                {
                    if (vector.Length == question.Length)
                    {
                        best = Math.Max(best, TensorPrimitives.CosineSimilarity(question, vector));
                    }
                }
                scores[i] = new ClassScore(_classes[i].Class, double.IsNegativeInfinity(best) ? 0 : best);
            }
            // A stable sort: among equal scores the earlier class wins, as the order of the settings says.
            return [.. scores.OrderByDescending(s => s.Score)];
        }
    }

    /// <param name="Class">The class name (its port).</param>
    /// <param name="Score">Cosine similarity of the question to the class's nearest example.</param>
    public readonly record struct ClassScore(string Class, double Score);
}
