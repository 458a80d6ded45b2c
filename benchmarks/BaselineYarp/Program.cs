// Plain YARP reverse proxy with one catch-all route to one destination: the baseline that
// ShadowProxy's "shadow off" mode is held against (target: ≥ 0.95 × its requests/s).
//
//   dotnet baselineyarp.dll --Listen http://127.0.0.1:19301 --Destination http://127.0.0.1:19101
//
// Logging is off, as in YARP's own benchmark app: console logging on the hot path would
// measure the logger, not the proxy.
using Yarp.ReverseProxy.Configuration;

// The same runtime tuning as ShadowProxy (src/ShadowProxy/Hosting/SocketCompletions.cs): socket
// completions inline on Linux unless the environment decides, so that target 1 compares data paths.
if (OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
{
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
}

var builder = WebApplication.CreateBuilder(args);
builder.Logging.ClearProviders();

var listen = builder.Configuration["Listen"] ?? "http://127.0.0.1:19301";
var destination = builder.Configuration["Destination"]
    ?? throw new InvalidOperationException("--Destination is required");
builder.WebHost.UseUrls(listen);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);

RouteConfig[] routes =
[
    new() { RouteId = "all", ClusterId = "legacy", Match = new RouteMatch { Path = "{**catch-all}" } },
];
ClusterConfig[] clusters =
[
    new()
    {
        ClusterId = "legacy",
        Destinations = new Dictionary<string, DestinationConfig>
        {
            ["legacy"] = new() { Address = destination },
        },
    },
];

// YARP's default ForwarderHttpClientFactory builds the SocketsHttpHandler (no proxy, no
// redirects, no cookies, no decompression, multiple HTTP/2 connections); ShadowProxy's
// primary forward uses the same factory, so both proxies pool connections the same way.
builder.Services.AddReverseProxy().LoadFromMemory(routes, clusters);

var app = builder.Build();
app.MapReverseProxy();
app.Run();
