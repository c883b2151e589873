using System.Net;
using System.Net.Sockets;

namespace Playbooks.Api.Webhooks;

/// <summary>
/// Keeps webhooks off networks that are not the public internet (events.md section 2): a URL is
/// checked when it is saved, and the address a delivery actually connects to is checked again,
/// because the name may resolve elsewhere by then.
/// </summary>
public static class NetworkGuard
{
    private static readonly (IPNetwork Network, string What)[] NonPublic =
    [
        (IPNetwork.Parse("0.0.0.0/8"), "a reserved address"),
        (IPNetwork.Parse("10.0.0.0/8"), "a private address"),
        (IPNetwork.Parse("100.64.0.0/10"), "a shared (carrier-grade NAT) address"),
        (IPNetwork.Parse("127.0.0.0/8"), "a loopback address"),
        (IPNetwork.Parse("169.254.0.0/16"), "a link-local address"),
        (IPNetwork.Parse("172.16.0.0/12"), "a private address"),
        (IPNetwork.Parse("192.0.0.0/24"), "a reserved address"),
        (IPNetwork.Parse("192.0.2.0/24"), "a documentation address"),
        (IPNetwork.Parse("192.168.0.0/16"), "a private address"),
        (IPNetwork.Parse("198.18.0.0/15"), "a benchmarking address"),
        (IPNetwork.Parse("198.51.100.0/24"), "a documentation address"),
        (IPNetwork.Parse("203.0.113.0/24"), "a documentation address"),
        (IPNetwork.Parse("224.0.0.0/4"), "a multicast address"),
        (IPNetwork.Parse("240.0.0.0/4"), "a reserved address"),
        (IPNetwork.Parse("::/128"), "the unspecified address"),
        (IPNetwork.Parse("::1/128"), "a loopback address"),
        (IPNetwork.Parse("64:ff9b:1::/48"), "a local translation address"),
        (IPNetwork.Parse("100::/64"), "a discard address"),
        (IPNetwork.Parse("2001::/23"), "a reserved address"),
        (IPNetwork.Parse("2001:db8::/32"), "a documentation address"),
        (IPNetwork.Parse("3fff::/20"), "a documentation address"),
        (IPNetwork.Parse("fc00::/7"), "a private (unique local) address"),
        (IPNetwork.Parse("fe80::/10"), "a link-local address"),
        (IPNetwork.Parse("fec0::/10"), "a site-local address"),
        (IPNetwork.Parse("ff00::/8"), "a multicast address"),
    ];

    // IPv6 addresses outside 2000::/3 are never on the public internet (the ranges above name the usual ones).
    private static readonly IPNetwork GlobalUnicast = IPNetwork.Parse("2000::/3");

    /// <summary>Why <paramref name="address"/> is not a public internet address, or null when it is.</summary>
    public static string? Refusal(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        // Addresses that embed an IPv4 address are judged by it (NAT64, 6to4).
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var bytes = address.GetAddressBytes();
            if (IPNetwork.Parse("64:ff9b::/96").Contains(address))
            {
                return Refusal(new IPAddress(bytes[12..16]));
            }
            if (IPNetwork.Parse("2002::/16").Contains(address))
            {
                return Refusal(new IPAddress(bytes[2..6]));
            }
        }
        foreach (var (network, what) in NonPublic)
        {
            if (network.BaseAddress.AddressFamily == address.AddressFamily && network.Contains(address))
            {
                return what;
            }
        }
        return address.AddressFamily == AddressFamily.InterNetworkV6 && !GlobalUnicast.Contains(address) ? "not a global unicast IPv6 address" : null;
    }

    /// <summary>
    /// What is wrong with <paramref name="text"/> as a webhook URL, or null when nothing is. Unless
    /// private networks are allowed, the host must be, or resolve only to, public addresses.
    /// </summary>
    public static async Task<string?> CheckUrlAsync(string text, bool allowPrivateNetworks, CancellationToken ct)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            return "must be an absolute http or https URL";
        }
        if (uri.UserInfo.Length > 0)
        {
            return "must not contain user info";
        }
        if (uri.Host.Length == 0)
        {
            return "must name a host";
        }
        if (uri.DnsSafeHost.Length > 253)
        {
            return "must name a host of at most 253 characters";
        }
        if (allowPrivateNetworks)
        {
            return null;
        }

        IPAddress[] addresses;
        if (IPAddress.TryParse(uri.DnsSafeHost, out var literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                addresses = await Dns.GetHostAddressesAsync(uri.DnsSafeHost, timeout.Token);
            }
            catch (Exception e) when (e is SocketException or ArgumentException or OperationCanceledException && !ct.IsCancellationRequested)
            {
                return $"names a host that does not resolve ({uri.Host})";
            }
        }
        foreach (var address in addresses)
        {
            if (Refusal(address) is { } why)
            {
                return $"must be on the public internet: {uri.Host} is {why} ({address})";
            }
        }
        return addresses.Length == 0 ? $"names a host that does not resolve ({uri.Host})" : null;
    }

    /// <summary>
    /// The connect step of the delivery client: resolves the host and connects only to a public
    /// address (unless private networks are allowed), so a name that now resolves elsewhere is refused.
    /// </summary>
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> Connect(bool allowPrivateNetworks) =>
        async (context, ct) =>
        {
            var endpoint = context.DnsEndPoint;
            var addresses = IPAddress.TryParse(endpoint.Host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(endpoint.Host, ct);
            var allowed = allowPrivateNetworks ? addresses : addresses.Where(a => Refusal(a) is null).ToArray();
            if (allowed.Length == 0)
            {
                throw new HttpRequestException(
                    addresses.Length == 0 ? $"{endpoint.Host} does not resolve" : $"{endpoint.Host} resolves to {Refusal(addresses[0])}; refused");
            }
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(allowed, endpoint.Port, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        };
}
