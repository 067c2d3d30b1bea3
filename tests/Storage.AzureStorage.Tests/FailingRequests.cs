using Azure.Core;
using Azure.Core.Pipeline;

namespace JourneyOrchestrator.Storage.AzureStorage.Tests;

/// <summary>
/// Stops a store as a crash would: when armed, the <c>n</c>th write request (anything but a read) from then on, or the first
/// one matching a condition, throws <see cref="InjectedCrashException"/> before it is sent; it fires once.
/// </summary>
internal sealed class FailingRequests : HttpPipelineSynchronousPolicy
{
    private readonly Lock _gate = new();
    private Func<Request, bool>? _when;
    private int _writesLeft;

    /// <summary>Whether the armed failure fired since it was armed.</summary>
    public bool Fired { get; private set; }

    /// <summary>Writes seen since <see cref="FailWrite"/> or <see cref="CountWrites"/>.</summary>
    public int Writes { get; private set; }

    /// <summary>Fails the <paramref name="n"/>th write from now (1 = the next one).</summary>
    public void FailWrite(int n) => Arm(_ => true, n);

    /// <summary>Fails the first write matching <paramref name="when"/>.</summary>
    public void FailWhen(Func<Request, bool> when) => Arm(when, 1);

    /// <summary>Counts writes from now, failing none.</summary>
    public void CountWrites() => Arm(null, 0);

    public override void OnSendingRequest(HttpMessage message)
    {
        var request = message.Request;
        if (request.Method == RequestMethod.Get || request.Method == RequestMethod.Head)
        {
            return;
        }

        lock (_gate)
        {
            Writes++;
            if (_when is { } when && when(request) && --_writesLeft == 0)
            {
                (_when, Fired) = (null, true);
                throw new InjectedCrashException($"Injected crash before {request.Method} {request.Uri.Path}");
            }
        }
    }

    private void Arm(Func<Request, bool>? when, int n)
    {
        lock (_gate)
        {
            (_when, _writesLeft, Fired, Writes) = (when, n, false, 0);
        }
    }
}

internal sealed class InjectedCrashException(string message) : Exception(message);
