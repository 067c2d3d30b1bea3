using System.Net;
using System.Net.Sockets;

namespace JourneyOrchestrator.Testing;

/// <summary>Ports on 127.0.0.1 for the servers tests and benchmarks start.</summary>
public static class Loopback
{
    /// <summary>A port nothing listens on right now (taken from the OS, then released).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
