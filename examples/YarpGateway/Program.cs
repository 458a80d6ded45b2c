using YarpGateway;

await Gateway.Build(args).RunAsync().ConfigureAwait(false);
