using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace WorkflowEngine.Persistence;

/// <summary>How far the copy of one table is: <see cref="Done"/> of the source's <see cref="Total"/> rows read and written;
/// the table's last report carries its <see cref="Result"/>.</summary>
public sealed record TableCopyProgress(string Table, long Done, long Total, TableCopyResult? Result = null);

/// <summary>What the copy did to one table: rows inserted, and rows whose primary key the target already held (left as they
/// are there).</summary>
public sealed record TableCopyResult(string Table, long Copied, long AlreadyThere);

/// <summary>A copy that cannot go on, with a message for the person running it (no stack trace needed).</summary>
public sealed class DatabaseCopyException(string message, Exception? innerException = null) : Exception(message, innerException);

/// <summary>
/// Copies every table of one EF Core model from a database on one provider into the same model on PostgreSQL, driven by the
/// model's relational metadata alone (tables, columns, keys, foreign keys, type mappings): a table added to the model is copied
/// without a change here. Principal tables come before their dependents; rows are read in primary-key order and inserted in
/// multi-row batches with <c>ON CONFLICT (primary key) DO NOTHING</c>, so a second copy inserts nothing and a copy stopped half
/// way is finished by running it again. Values go through both sides' type mappings (source column → model value → target
/// column), so a column stored differently by the two providers (a <c>DateTimeOffset</c> as text on SQLite and timestamptz on
/// PostgreSQL) arrives as the same value. Identity sequences are moved past the largest key afterwards, so the next row the
/// studio inserts does not collide with a copied one. <see cref="CheckTargetAsync"/> refuses a target holding rows of its own
/// before anything is written. Reading and writing rows: DatabaseCopier.Rows.cs.
/// </summary>
public static partial class DatabaseCopier
{
    /// <summary>PostgreSQL takes at most 65,535 parameters per statement; a batch stays well under it whatever the width.</summary>
    private const int MaxParametersPerStatement = 30_000;

    /// <summary>Copies every table of <paramref name="source"/>'s model into <paramref name="target"/> (a PostgreSQL context of the
    /// same model whose migrations are applied) and returns what each table got, in the order copied.</summary>
    /// <param name="batchRows">Rows per insert statement (fewer for a wide table).</param>
    public static async Task<IReadOnlyList<TableCopyResult>> CopyAsync(
        DbContext source, DbContext target, IProgress<TableCopyProgress>? progress = null, int batchRows = 1000,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchRows, 1);
        if (!target.Database.IsNpgsql())
        {
            throw new ArgumentException("The target must be a PostgreSQL context.", nameof(target));
        }
        var targetModel = target.Model.GetRelationalModel();
        var tables = InForeignKeyOrder(source.Model.GetRelationalModel().Tables);
        await source.Database.OpenConnectionAsync(cancellationToken);
        await target.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            var results = new List<TableCopyResult>();
            foreach (var table in tables)
            {
                results.Add(await CopyTableAsync(source, target, Pair(table, targetModel), progress, batchRows, cancellationToken));
            }
            return results;
        }
        finally
        {
            await source.Database.CloseConnectionAsync();
            await target.Database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// Refuses a target holding a row whose primary key the source does not have, in any table: a database a studio has
    /// started on (its own sample and roles) or worked in since an earlier copy. Copying into it would mix two studios' data
    /// (the sample articles twice, roles that clash by name), so the copy stops before writing anything. An earlier copy of
    /// the same source passes: its rows are all in the source. Call it for every context before copying any.
    /// </summary>
    public static async Task CheckTargetAsync(DbContext source, DbContext target, CancellationToken cancellationToken = default)
    {
        var targetModel = target.Model.GetRelationalModel();
        await source.Database.OpenConnectionAsync(cancellationToken);
        await target.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            foreach (var table in InForeignKeyOrder(source.Model.GetRelationalModel().Tables))
            {
                var pair = Pair(table, targetModel);
                var foreign = await KeysAsync(target, pair.Target, cancellationToken);
                if (foreign.Count > 0)
                {
                    foreign.ExceptWith(await KeysAsync(source, pair.Source, cancellationToken));
                }
                if (foreign.Count > 0)
                {
                    throw new DatabaseCopyException(
                        $"The target already holds {foreign.Count} row(s) in {pair.Name} that are not in the source: a studio has started on it " +
                        "or worked in it. Copy into a new, empty database (drop and create it again), and start the studios after the copy.");
                }
            }
        }
        finally
        {
            await source.Database.CloseConnectionAsync();
            await target.Database.CloseConnectionAsync();
        }
    }

    /// <summary>Every primary key of the table, as text (composite keys joined), read through the table's own mappings.</summary>
    private static async Task<HashSet<string>> KeysAsync(DbContext db, ITable table, CancellationToken cancellationToken)
    {
        var sql = db.GetService<ISqlGenerationHelper>();
        var key = PrimaryKey(table);
        var readers = key.Select(c => new ColumnReader(c)).ToList();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = $"SELECT {string.Join(", ", key.Select(c => sql.DelimitIdentifier(c.Name)))} FROM {sql.DelimitIdentifier(table.Name, table.Schema)}";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(string.Join('\u001f', readers.Select((r, i) => Convert.ToString(r.Read(reader, i), System.Globalization.CultureInfo.InvariantCulture))));
        }
        return keys;
    }

    private static TablePair Pair(ITable source, IRelationalModel targetModel) =>
        new(source, targetModel.FindTable(source.Name, source.Schema)
            ?? throw new DatabaseCopyException($"The target's model has no table {source.Name}: the two contexts do not hold the same model."));

    private static IReadOnlyList<IColumn> PrimaryKey(ITable table) => table.PrimaryKey?.Columns
        ?? throw new DatabaseCopyException($"Table {table.Name} has no primary key, so a second copy could not tell its rows apart.");

    /// <summary>Principal tables before the tables whose foreign keys point at them; otherwise by name, so every copy runs in
    /// the same order.</summary>
    internal static IReadOnlyList<ITable> InForeignKeyOrder(IEnumerable<ITable> tables)
    {
        var ordered = new List<ITable>();
        var done = new HashSet<ITable>();
        var visiting = new HashSet<ITable>();
        void Visit(ITable table)
        {
            if (done.Contains(table))
            {
                return;
            }
            if (!visiting.Add(table))
            {
                throw new DatabaseCopyException($"The tables' foreign keys form a cycle through {table.Name}; they cannot be copied one after another.");
            }
            foreach (var principal in table.ForeignKeyConstraints.Select(f => f.PrincipalTable).Where(p => p != table).OrderBy(p => p.Name, StringComparer.Ordinal))
            {
                Visit(principal);
            }
            visiting.Remove(table);
            done.Add(table);
            ordered.Add(table);
        }
        foreach (var table in tables.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            Visit(table);
        }
        return ordered;
    }

    private static async Task<TableCopyResult> CopyTableAsync(
        DbContext source, DbContext target, TablePair pair, IProgress<TableCopyProgress>? progress, int batchRows, CancellationToken cancellationToken)
    {
        var sourceSql = source.GetService<ISqlGenerationHelper>();
        var targetSql = target.GetService<ISqlGenerationHelper>();
        var sourceTable = sourceSql.DelimitIdentifier(pair.Source.Name, pair.Source.Schema);
        var primaryKey = PrimaryKey(pair.Source).Select(c => c.Name).ToList();
        var columns = pair.Columns();
        var total = await ScalarAsync<long>(source, $"SELECT COUNT(*) FROM {sourceTable}", cancellationToken);
        progress?.Report(new TableCopyProgress(pair.Name, 0, total));

        var insert = new BatchInsert(target, targetSql.DelimitIdentifier(pair.Target.Name, pair.Target.Schema),
            columns, primaryKey.Select(c => targetSql.DelimitIdentifier(c)).ToList(), pair.Name);
        var rowsPerBatch = Math.Max(1, Math.Min(batchRows, MaxParametersPerStatement / columns.Count));
        long read = 0, copied = 0;
        await using (var command = source.Database.GetDbConnection().CreateCommand())
        {
            command.CommandText = $"SELECT {string.Join(", ", columns.Select(c => sourceSql.DelimitIdentifier(c.Name)))} FROM {sourceTable} " +
                $"ORDER BY {string.Join(", ", primaryKey.Select(c => sourceSql.DelimitIdentifier(c)))}";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var rows = new List<object?[]>(rowsPerBatch);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(columns.Select((c, i) => c.Read(reader, i)).ToArray());
                if (rows.Count == rowsPerBatch)
                {
                    copied += await insert.ExecuteAsync(rows, cancellationToken);
                    read += rows.Count;
                    rows.Clear();
                    progress?.Report(new TableCopyProgress(pair.Name, read, Math.Max(total, read)));
                }
            }
            if (rows.Count > 0)
            {
                copied += await insert.ExecuteAsync(rows, cancellationToken);
                read += rows.Count;
                progress?.Report(new TableCopyProgress(pair.Name, read, Math.Max(total, read)));
            }
        }
        await MoveSequencesAsync(target, pair, primaryKey, cancellationToken);
        var result = new TableCopyResult(pair.Name, copied, read - copied);
        progress?.Report(new TableCopyProgress(pair.Name, read, Math.Max(total, read), result));
        return result;
    }

    /// <summary>Sets each identity (or serial) sequence of the table's key to the largest key in the target table: the copied
    /// rows came with their keys, and the sequence would otherwise hand those keys out again.</summary>
    private static async Task MoveSequencesAsync(DbContext target, TablePair pair, IReadOnlyList<string> primaryKey, CancellationToken cancellationToken)
    {
        var sql = target.GetService<ISqlGenerationHelper>();
        var table = sql.DelimitIdentifier(pair.Target.Name, pair.Target.Schema);
        var connection = (NpgsqlConnection)target.Database.GetDbConnection();
        foreach (var column in primaryKey)
        {
            string? sequence;
            await using (var find = new NpgsqlCommand("SELECT pg_get_serial_sequence(@table, @column)", connection))
            {
                find.Parameters.AddWithValue("table", table);
                find.Parameters.AddWithValue("column", column);
                sequence = await find.ExecuteScalarAsync(cancellationToken) as string;
            }
            if (sequence is null)
            {
                continue;
            }
            await using var move = new NpgsqlCommand(
                $"SELECT setval(@sequence::regclass, max) FROM (SELECT MAX({sql.DelimitIdentifier(column)}) AS max FROM {table}) m WHERE max IS NOT NULL", connection);
            move.Parameters.AddWithValue("sequence", sequence);
            await move.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static async Task<T> ScalarAsync<T>(DbContext db, string sql, CancellationToken cancellationToken)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = sql;
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync(cancellationToken))!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }
}
