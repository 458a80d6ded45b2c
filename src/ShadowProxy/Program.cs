using ShadowProxy.Hosting;

// Before anything opens a socket: the runtime reads this switch once.
SocketCompletions.ApplyDefault();

return await ShadowProxyProgram.RunAsync(args).ConfigureAwait(false);
