using Microsoft.Data.Sqlite;

namespace ShadowProxy.Storage;

/// <summary>
/// Prepared statements for one migration's part of a batch, inside the writer's transaction: <c>$m</c> is
/// bound once, the statement's other parameters are filled in order for each row.
/// </summary>
internal sealed class SqliteBatchStatements(SqliteConnection connection, SqliteTransaction transaction, string migration)
{
    /// <summary>A prepared statement with the migration bound and the named parameters to fill per row.</summary>
    public SqliteCommand Prepare(string sql, params ReadOnlySpan<string> parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.Parameters.AddWithValue("$m", migration);
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        command.Prepare();
        return command;
    }

    /// <summary>The first column of every row <paramref name="sql"/> (parameter <c>$m</c> only) selects.</summary>
    public List<string> Strings(string sql)
    {
        using var select = Prepare(sql);
        using var reader = select.ExecuteReader();
        var values = new List<string>();
        while (reader.Read())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    /// <summary>Fills the parameters after <c>$m</c> in order and runs the statement.</summary>
    public static int Run(SqliteCommand command, params ReadOnlySpan<object> values)
    {
        Bind(command, values);
        return command.ExecuteNonQuery();
    }

    public static long Count(SqliteCommand command, params ReadOnlySpan<object> values)
    {
        Bind(command, values);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void Bind(SqliteCommand command, ReadOnlySpan<object> values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i + 1].Value = values[i];
        }
    }
}
