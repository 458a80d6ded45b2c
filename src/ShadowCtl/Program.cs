return await ShadowCtl.ShadowCtlApp.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
