using ShadowProxy.Migrations;
using ShadowProxy.Proxy;

#pragma warning disable IDE0130 // Beside YARP's own pipeline steps (UseLoadBalancing...), where a host looks for it.
namespace Microsoft.AspNetCore.Builder;
#pragma warning restore IDE0130

/// <summary>ShadowProxy's step in YARP's proxy pipeline.</summary>
public static class ShadowMigrationsPipelineExtensions
{
    /// <summary>
    /// Adds the migration step to the proxy pipeline, followed by YARP's standard steps (session affinity, load
    /// balancing, passive health checks), so <c>app.MapReverseProxy(proxy =&gt; proxy.UseShadowMigrations())</c> is
    /// the whole pipeline. Do not add the standard steps again; put steps of your own before this call. Requests
    /// of routes that are not a migration's pass through the migration step untouched.
    /// </summary>
    /// <param name="proxy">The proxy pipeline given to <c>MapReverseProxy</c>.</param>
    /// <returns>The same pipeline, for chaining.</returns>
    /// <exception cref="InvalidOperationException"><c>AddShadowMigrations</c> was not called on the services.</exception>
    public static IReverseProxyApplicationBuilder UseShadowMigrations(this IReverseProxyApplicationBuilder proxy)
    {
        ArgumentNullException.ThrowIfNull(proxy);
        if (proxy.ApplicationServices.GetService<MigrationRegistry>() is null)
        {
            throw new InvalidOperationException("UseShadowMigrations needs services.AddReverseProxy().AddShadowMigrations(...) first.");
        }

        proxy.UseMiddleware<MigrationMiddleware>();
        proxy.UseSessionAffinity();
        proxy.UseLoadBalancing();
        proxy.UsePassiveHealthChecks();
        return proxy;
    }
}
