using ShadowProxy.Configuration;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Diff;
using ShadowProxy.Core.Notifications;
using static ShadowProxy.Tests.Configuration.ConfigTree;

namespace ShadowProxy.Tests.Configuration;

/// <summary>
/// docs/configuration.md#validation-and-exit-codes, the parsing half: keys and defaults are the options records',
/// every value that does not parse, unknown key and missing required key is named by its full key.
/// </summary>
public sealed class ConfigReaderTests
{
    public static TheoryData<string, string?, string> Refused => new()
    {
        { M + "Shadw:Enabled", "false", $"{M}Shadw: is not a known key here (known: Routes, Legacy, Candidate, Shadow, Diff, Redact, Cohort, Ramp, Failover, Replay, Endpoints)" },
        { "ShadowProxy:Listn:0", "x", "ShadowProxy:Listn: is not a known key here (known: Listen, Admin, Store, Limits, Tls, Migrations, Notifications)" },
        { M + "Cohort:Form", "Random", $"{M}Cohort:Form: is not a known key here (known: From)" },
        { M + "Shadow:Adaptive", "sometimes", $"{M}Shadow:Adaptive: 'sometimes' is not true or false" },
        { M + "Shadow:Timeout", "soon", $"{M}Shadow:Timeout: 'soon' is not a duration (hh:mm:ss or d.hh:mm:ss)" },
        { M + "Shadow:MaxInFlight", "2147483648", $"{M}Shadow:MaxInFlight: '2147483648' is not an integer" },
        { M + "Shadow:MaxBodyBytes", "0x10", $"{M}Shadow:MaxBodyBytes: '0x10' is not an integer" },
        { M + "Shadow:SamplePercent", "Infinity", $"{M}Shadow:SamplePercent: 'Infinity' is not a number" },
        { "ShadowProxy:Store:Provider", "Mongo", "ShadowProxy:Store:Provider: 'Mongo' is not one of Sqlite, Redis" },
        { "ShadowProxy:Store:Provider", "1", "ShadowProxy:Store:Provider: '1' is not one of Sqlite, Redis" },
        { M + "Ramp:Gates:DiffSeverity", "fatal", $"{M}Ramp:Gates:DiffSeverity: 'fatal' is not breaking, risky or cosmetic" },
        { M + "Cohort:From", "Session:abc", $"{M}Cohort:From: 'Session:abc' is not one of Header:NAME, Cookie:NAME, ClientIp, Random" },
        { M + "Cohort:From", "Header:", $"{M}Cohort:From: 'Header:' names no header" },
        { M + "Legacy:Address", null, $"{M}Legacy: is required: an object with an Address or a ClusterId, e.g. {{ \"Address\": \"http://127.0.0.1:9001\" }} or {{ \"ClusterId\": \"orders\" }}" },
        { M + "Candidate:Address", "not a url", $"{M}Candidate:Address: 'not a url' is not an absolute http:// or https:// URL" },
        { M + "Routes:0:Path", null, $"{M}Routes: is required: at least one route, e.g. {{ \"Path\": \"/api/orders/{{**rest}}\" }} or {{ \"RouteId\": \"orders\" }}" },
        { M + "Routes:1:Methods:0", "GET", $"{M}Routes[1]:Path: is required: a YARP path template (e.g. /api/orders/{{**rest}}), or a RouteId naming a route of the proxy's configuration" },
        { M + "Routes:0:Headers:0:Values:0", "a", $"{M}Routes[0]:Headers[0]:Name: is required: a header name" },
        { M + "Ramp:Stages:0:Weight", "0", $"{M}Ramp:Stages[0]:Name: is required: a stage name" },
        { M + "Ramp:Stages:0:Name", "shadow", $"{M}Ramp:Stages[0]:Weight: is required: a percentage from 0 to 100" },
        { M + "Diff:NoiseProbe:Address", "probe.internal", $"{M}Diff:NoiseProbe:Address: is not an absolute http:// or https:// URL" },
        { "ShadowProxy:Notifications:Webhooks:0:Url", "ftp://hooks.example/secret", "ShadowProxy:Notifications:Webhooks[0]:Url: is not an absolute http:// or https:// URL" },
        { "ShadowProxy:Notifications:Webhooks:0:Format", "Slack", "ShadowProxy:Notifications:Webhooks[0]:Url: is required: an absolute http:// or https:// URL to POST notifications to" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void A_refused_key_is_named_once_with_the_reason(string key, string? value, string expected) =>
        Assert.Equal(expected, Refuse((key, value)));

    [Fact]
    public void A_required_section_without_its_required_key_names_the_key() =>
        Assert.Equal($"{M}Legacy:Address: is required: an absolute URL (e.g. http://127.0.0.1:9001), or a ClusterId naming a cluster of the proxy's configuration", Refuse((M + "Legacy:Address", null), (M + "Legacy:Timeout", "00:00:05")));

    [Fact]
    public void A_weight_a_decimal_would_round_is_refused() =>
        Assert.Equal($"{M}Ramp:Stages[0]:Weight: '1e-30' is not a number (exactly representable, e.g. 12.5)", Refuse((M + "Ramp:Stages:0:Name", "a"), (M + "Ramp:Stages:0:Weight", "1e-30")));

    [Fact]
    public void A_value_that_is_a_section_is_named_with_the_type_expected() =>
        Assert.Equal($"{M}Shadow:MaxInFlight: is a section, expected an integer", Refuse((M + "Shadow:MaxInFlight:a", "1")));

    [Fact]
    public void An_unknown_webhook_format_is_named() =>
        Assert.Equal("ShadowProxy:Notifications:Webhooks[0]:Format: 'Teams' is not one of Json, Slack",
            Refuse(("ShadowProxy:Notifications:Webhooks:0:Url", "https://hooks.example/x"), ("ShadowProxy:Notifications:Webhooks:0:Format", "Teams")));

    [Fact]
    public void Unknown_webhook_events_are_named_by_their_index()
    {
        var (options, errors) = Read(("ShadowProxy:Notifications:Webhooks:0:Url", "https://hooks.example/x"),
            ("ShadowProxy:Notifications:Webhooks:0:Events:0", "rollback"), ("ShadowProxy:Notifications:Webhooks:0:Events:1", "rolled_back"));
        Assert.Null(options);
        Assert.Equal("ShadowProxy:Notifications:Webhooks[0]:Events[1]: 'rolled_back' is not an event; use rollback, advance, gate_failed, paused, resumed, weight",
            Assert.Single(errors).ToString());
    }

    [Fact]
    public void Absent_keys_take_the_records_defaults()
    {
        var options = Accept();
        Assert.Equal(new AdminOptions().ApiKeys, options.Admin.ApiKeys);
        Assert.Equal(new StoreOptions(), options.Store);
        Assert.Equal(new LimitsOptions(), options.Limits);
        Assert.Equal(new TlsOptions(), options.Tls);
        var migration = Assert.Single(options.Migrations);
        Assert.Equal("orders", migration.Name);
        Assert.Equal(RampOptions.DefaultStages, migration.Ramp.Stages);
        Assert.Equal(new GateOptions(), migration.Ramp.Gates);
        Assert.Equal(new FailoverOptions(), migration.Failover);
        Assert.Equal(ShadowOptions.DefaultMethods, migration.Shadow.Methods);
        Assert.Equal(new ShadowOptions().MinInFlight, migration.Shadow.MinInFlight);
        Assert.Equal(new DiffOptions().IgnoreHeaders, migration.Diff.IgnoreHeaders);
        Assert.Null(migration.Legacy.Timeout);
        Assert.Null(migration.Diff.NoiseProbe.Address);
        Assert.Equal(CohortSourceKind.Random, migration.Cohort.Source);
    }

    [Fact]
    public void A_list_given_replaces_its_default_and_a_single_value_is_a_list_of_one()
    {
        var options = Accept(("ShadowProxy:Listen:0", null), ("ShadowProxy:Listen", "http://127.0.0.1:0"), (M + "Diff:IgnoreHeaders:0", "X-Request-Id"),
            (M + "Ramp:Stages:0:Name", "all"), (M + "Ramp:Stages:0:Weight", "100"), (M + "Shadow:Methods", "get"));
        Assert.Equal(["http://127.0.0.1:0"], options.Listen);
        var migration = options.Migrations[0];
        Assert.Equal(["X-Request-Id"], migration.Diff.IgnoreHeaders);
        Assert.Equal("all", Assert.Single(migration.Ramp.Stages).Name);
        Assert.Equal(["GET"], migration.Shadow.Methods);
    }

    [Fact]
    public void Array_elements_are_read_in_index_order_and_named_by_index()
    {
        var options = Accept((M + "Routes:10:Path", "/ten"), (M + "Routes:2:Path", "/two"));
        Assert.Equal(["/api/orders/{**rest}", "/two", "/ten"], options.Migrations[0].Routes.Select(r => r.Path));
        Assert.Equal($"{M}Routes[1]:Path: 'one' must start with '/'", Refuse((M + "Routes:1:Path", "one")));
    }

    [Fact]
    public void Values_the_record_cannot_say_by_type_are_read_and_normalized()
    {
        var options = Accept((M + "Shadow:MaxInFlight", "0"), (M + "Cohort:From", "Header:X-User-Id"),
            (M + "Diff:Severity:header:ETag", "cosmetic"), (M + "Diff:ArrayKeys:$.orders", "orderNo"), (M + "Diff:NoiseProbe:Address", ""),
            (M + "Ramp:Gates:DiffSeverity", "breaking"),
            ("ShadowProxy:Notifications:Webhooks:0:Url", "https://hooks.example/x"), ("ShadowProxy:Notifications:Webhooks:0:Events", "rollback"),
            ("ShadowProxy:Notifications:Webhooks:1:Url", "https://hooks.example/y"), ("ShadowProxy:Notifications:Webhooks:1:Events:0", "advance"),
            ("ShadowProxy:Notifications:Webhooks:1:Events:1", "ADVANCE"), ("ShadowProxy:Notifications:Webhooks:1:Format", "slack"));
        var migration = options.Migrations[0];
        Assert.Equal(0, migration.Shadow.MinInFlight); // the default floor never exceeds the ceiling
        Assert.Equal(new CohortOptions { Source = CohortSourceKind.Header, Name = "X-User-Id" }, migration.Cohort);
        Assert.Equal("cosmetic", migration.Diff.Severity["header:ETag"]);
        Assert.Equal("orderNo", migration.Diff.ArrayKeys["$.orders"]);
        Assert.Null(migration.Diff.NoiseProbe.Address);
        Assert.Equal(DiffSeverity.Breaking, migration.Ramp.Gates.DiffSeverity);
        Assert.Equal([NotificationEvent.Rollback], options.Notifications.Webhooks[0].Events);
        Assert.Equal([NotificationEvent.Advance], options.Notifications.Webhooks[1].Events);
        Assert.Equal(WebhookFormat.Slack, options.Notifications.Webhooks[1].Format);
        Assert.Equal(Enum.GetValues<NotificationEvent>(), Accept(("ShadowProxy:Notifications:Webhooks:0:Url", "https://hooks.example/x")).Notifications.Webhooks[0].Events);
    }

    [Fact]
    public void Every_problem_is_reported_in_one_run_and_a_refused_key_only_once()
    {
        var (options, errors) = Read((M + "Candidate:Address", "http://127.0.0.1:9001/?q"), (M + "Legacy:Address", "nope"), (M + "Shadow:SamplePercent", "150"), ("ShadowProxy:Store:MaxAuditEntries", "x"));
        Assert.Null(options);
        Assert.Equal(
            new[] { $"{M}Legacy:Address", "ShadowProxy:Store:MaxAuditEntries", $"{M}Candidate:Address", $"{M}Shadow:SamplePercent" }.Order(StringComparer.Ordinal),
            errors.Select(e => e.Key).Order(StringComparer.Ordinal));
    }
}
