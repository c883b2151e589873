using System.Security.Cryptography;

namespace Playbooks.Api.Infrastructure;

/// <summary>
/// Opaque ids with a type prefix (<c>pb_</c>, <c>run_</c>…) over a ULID: 48 bits of Unix
/// milliseconds then 80 random bits, in Crockford base32, so ids sort by creation time.
/// Within one millisecond the random part is incremented, so ids made here never go backwards.
/// </summary>
public static class Ids
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    public const int UlidLength = 26;

    private static readonly Lock Gate = new();
    private static long lastMilliseconds;
    private static readonly byte[] LastRandom = new byte[10];

    public static string New(string prefix, DateTimeOffset now)
    {
        Span<byte> bytes = stackalloc byte[16];
        var ms = now.ToUnixTimeMilliseconds();
        lock (Gate)
        {
            if (ms <= lastMilliseconds)
            {
                ms = lastMilliseconds;
                Increment(LastRandom);
            }
            else
            {
                lastMilliseconds = ms;
                RandomNumberGenerator.Fill(LastRandom);
            }
            LastRandom.CopyTo(bytes[6..]);
        }
        for (var i = 5; i >= 0; i--, ms >>= 8)
        {
            bytes[i] = (byte)ms;
        }
        return string.Create(prefix.Length + UlidLength, (prefix, bytes.ToArray()), static (chars, state) =>
        {
            state.prefix.AsSpan().CopyTo(chars);
            Encode(state.Item2, chars[state.prefix.Length..]);
        });
    }

    /// <summary>True when <paramref name="id"/> has the prefix and a well-formed ULID after it.</summary>
    public static bool IsValid(string? id, string prefix) =>
        id is not null
        && id.Length == prefix.Length + UlidLength
        && id.StartsWith(prefix, StringComparison.Ordinal)
        && id.AsSpan(prefix.Length).IndexOfAnyExcept(Alphabet) < 0
        && id[prefix.Length] <= '7';

    private static void Increment(byte[] random)
    {
        for (var i = random.Length - 1; i >= 0 && ++random[i] == 0; i--)
        {
        }
    }

    private static void Encode(ReadOnlySpan<byte> bytes, Span<char> chars)
    {
        // 128 bits in 26 characters of 5 bits; the first character carries the top 3 bits.
        var value = new UInt128(
            System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes),
            System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]));
        for (var i = UlidLength - 1; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }
    }
}
