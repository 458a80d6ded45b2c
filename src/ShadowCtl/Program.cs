using System.Runtime.InteropServices;

// Ctrl+C and SIGTERM cancel the running command (a watch then ends with exit 0, any other command with
// 130). Registered before anything runs, so a signal can never arrive before someone listens for it.
using var interrupted = new CancellationTokenSource();
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
return await ShadowCtl.ShadowCtlApp.RunAsync(args, Console.Out, Console.Error, cancellationToken: interrupted.Token).ConfigureAwait(false);

void Cancel(PosixSignalContext context)
{
    context.Cancel = true;
    interrupted.Cancel();
}
