namespace ShadowCtl;

/// <summary>
/// The process exit codes. Scripts branch on these, so they are part of the contract: add new
/// codes, never renumber (README.md and <c>shadowctl --help</c> list them).
/// </summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>Anything unexpected: an answer the CLI does not understand, a bug.</summary>
    public const int Failure = 1;

    /// <summary>The command line is wrong (unknown command, missing argument, rollback without --reason).</summary>
    public const int Usage = 2;

    /// <summary>401 or 403: the key is missing, unknown, or its role is too weak.</summary>
    public const int Unauthorized = 3;

    /// <summary>404: no such migration (or sample).</summary>
    public const int NotFound = 4;

    /// <summary>400, 409 and other 4xx: the server refused the request as given or in the migration's state.</summary>
    public const int Rejected = 5;

    /// <summary>5xx: the server failed or is degraded (e.g. fleet store down).</summary>
    public const int ServerError = 6;

    /// <summary>No answer at all: connection refused, DNS failure, timeout.</summary>
    public const int Unreachable = 7;

    /// <summary><c>replay</c>: at least one exchange was answered differently from legacy (noise aside).</summary>
    public const int DifferencesFound = 8;

    /// <summary><c>replay</c>: nothing was compared (an empty corpus, or every exchange filtered out or skipped): no verdict.</summary>
    public const int NothingReplayed = 9;

    /// <summary>Ctrl+C during a one-shot command: the shell's convention for "interrupted" (128 + SIGINT).</summary>
    public const int Interrupted = 130;

    /// <summary>The table printed at the end of <c>shadowctl --help</c>.</summary>
    public const string HelpText = """
        Exit codes:
            0  success
            1  unexpected failure (an answer shadowctl does not understand)
            2  usage error (unknown command or option, missing argument, rollback without --reason)
            3  unauthorized or forbidden (401/403: missing or unknown key, role too weak)
            4  not found (404: unknown migration)
            5  rejected (400/409: invalid input, or not possible in the migration's current state)
            6  server error (5xx)
            7  server unreachable (connection refused, timeout; set --server or SHADOWCTL_SERVER);
               for replay also the --target
            8  replay: differences found (an exchange answered differently from legacy, noise aside)
            9  replay: nothing replayed (empty corpus, or every exchange filtered out or skipped)
          130  interrupted (Ctrl+C; status --watch exits 0)
        """;
}
