using System.Collections.Concurrent;
using System.Data.Common;
using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace WorkflowEngine.Persistence;

public static partial class DatabaseCopier
{
    private static readonly MethodInfo GetFieldValue = typeof(DbDataReader).GetMethod(nameof(DbDataReader.GetFieldValue))!;
    private static readonly ConcurrentDictionary<Type, MethodInfo> Readers = new();

    private sealed record TablePair(ITable Source, ITable Target)
    {
        public string Name => Source.Name;

        /// <summary>The source's columns, each with the target's column of the same name.</summary>
        public IReadOnlyList<ColumnPair> Columns() => Source.Columns
            .Select(c => new ColumnPair(c, Target.FindColumn(c.Name)
                ?? throw new DatabaseCopyException($"The target's table {Target.Name} has no column {c.Name}: the two contexts do not hold the same model.")))
            .ToList();
    }

    /// <summary>Reads a column's value as the model sees it: the stored value, through the column's value converter if any.</summary>
    private sealed class ColumnReader
    {
        private readonly RelationalTypeMapping _mapping;
        private readonly MethodInfo _read;

        public ColumnReader(IColumn column)
        {
            _mapping = column.PropertyMappings.First().TypeMapping;
            var stored = _mapping.Converter?.ProviderClrType ?? _mapping.ClrType;
            _read = Readers.GetOrAdd(Nullable.GetUnderlyingType(stored) ?? stored, t => GetFieldValue.MakeGenericMethod(t));
        }

        public object? Read(DbDataReader reader, int ordinal)
        {
            if (reader.IsDBNull(ordinal))
            {
                return null;
            }
            var stored = _read.Invoke(reader, [ordinal]);
            return _mapping.Converter is { } converter ? converter.ConvertFromProvider(stored) : stored;
        }
    }

    private sealed class ColumnPair(IColumn source, IColumn target)
    {
        private readonly ColumnReader _reader = new(source);
        private readonly RelationalTypeMapping _targetMapping = target.PropertyMappings.First().TypeMapping;

        public string Name => source.Name;

        /// <summary>The source column's value as the model sees it.</summary>
        public object? Read(DbDataReader reader, int ordinal) => _reader.Read(reader, ordinal);

        /// <summary>A parameter holding <paramref name="value"/> as the target stores it (its mapping applies its converter).</summary>
        public DbParameter Parameter(DbCommand command, string name, object? value)
        {
            // Npgsql writes a DateTimeOffset to timestamptz only at offset 0; the instant is what the column keeps either way.
            if (value is DateTimeOffset time && _targetMapping.Converter is null)
            {
                value = time.ToUniversalTime();
            }
            return _targetMapping.CreateParameter(command, name, value, target.IsNullable);
        }
    }

    /// <summary>One multi-row <c>INSERT … ON CONFLICT (key) DO NOTHING</c> per batch; returns the rows really inserted.</summary>
    private sealed class BatchInsert(DbContext target, string table, IReadOnlyList<ColumnPair> columns, IReadOnlyList<string> primaryKey, string name)
    {
        private readonly string _head =
            $"INSERT INTO {table} ({string.Join(", ", columns.Select(c => target.GetService<ISqlGenerationHelper>().DelimitIdentifier(c.Name)))}) " +
            // Copied keys are kept as they are, also in a column generated ALWAYS (ignored where no column is an identity).
            "OVERRIDING SYSTEM VALUE VALUES ";

        public async Task<long> ExecuteAsync(IReadOnlyList<object?[]> rows, CancellationToken cancellationToken)
        {
            await using var command = target.Database.GetDbConnection().CreateCommand();
            var values = new List<string>(rows.Count);
            var n = 0;
            foreach (var row in rows)
            {
                var names = new string[columns.Count];
                for (var i = 0; i < columns.Count; i++)
                {
                    names[i] = "@p" + n++;
                    command.Parameters.Add(columns[i].Parameter(command, names[i], row[i]));
                }
                values.Add($"({string.Join(", ", names)})");
            }
            command.CommandText = _head + string.Join(", ", values) + $" ON CONFLICT ({string.Join(", ", primaryKey)}) DO NOTHING";
            try
            {
                return await command.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.ForeignKeyViolation)
            {
                throw new DatabaseCopyException(
                    $"Table {name}: a row conflicts with data the target already holds ({e.ConstraintName}). The target has rows that did not " +
                    "come from this source, e.g. from a studio started on it before the copy: copy into a new, empty database.", e);
            }
        }
    }
}
