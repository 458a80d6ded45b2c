using ShadowProxy.Hosting;

return await ShadowProxyProgram.RunAsync(args).ConfigureAwait(false);
