using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace JourneyOrchestrator.Templates.Data;

/// <summary>
/// What every <see cref="IJourneyIndex"/> shares: argument checks (the limits) and the continuation token, an opaque
/// base64url string that carries the store's position (after the last entry returned) and a fingerprint of the query's
/// filters, so a token is only accepted by the query that produced it.
/// </summary>
public static class JourneyIndexPaging
{
    /// <summary>The largest page of <see cref="IJourneyIndex.QueryAsync"/> and list of <see cref="IJourneyIndex.ListByCustomerAsync"/>.</summary>
    public const int MaxPageSize = 1000;

    private const string Version = "1";

    /// <summary>Checks an entry before it is written.</summary>
    /// <exception cref="ArgumentException">An id is missing, or the template version is below 1.</exception>
    public static void Validate(JourneyIndexEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentException.ThrowIfNullOrEmpty(entry.JourneyId, nameof(entry));
        ArgumentException.ThrowIfNullOrEmpty(entry.DealerId, nameof(entry));
        ArgumentException.ThrowIfNullOrEmpty(entry.CustomerId, nameof(entry));
        ArgumentException.ThrowIfNullOrEmpty(entry.TemplateId, nameof(entry));
        if (entry.TemplateVersion < 1)
        {
            throw new ArgumentException($"The template version of journey '{entry.JourneyId}' is {entry.TemplateVersion}; versions start at 1.", nameof(entry));
        }
    }

    /// <exception cref="ArgumentOutOfRangeException"><paramref name="max"/> is not 1..<see cref="MaxPageSize"/>.</exception>
    public static void ValidateMax(int max, string name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1, name);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(max, MaxPageSize, name);
    }

    /// <summary>Checks a query and returns the store position its token carries (null: the first page).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The page size is not 1..<see cref="MaxPageSize"/>.</exception>
    /// <exception cref="ArgumentException">A customer id without a dealer id (customer ids are a dealer's).</exception>
    /// <exception cref="FormatException">The token is not one this query produced.</exception>
    public static string? Validate(JourneyIndexQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        ValidateMax(query.PageSize, nameof(query.PageSize));
        if (query.CustomerId is not null && query.DealerId is null)
        {
            throw new ArgumentException("A journey index query by customer id needs the dealer id too: customer ids are a dealer's.", nameof(query));
        }

        if (query.ContinuationToken is not { } token)
        {
            return null;
        }

        string text;
        try
        {
            text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
        }
        catch (FormatException exception)
        {
            throw BadToken(exception);
        }

        var parts = text.Split('.', 3);
        if (parts.Length != 3 || parts[0] != Version || parts[1] != Fingerprint(query) || parts[2].Length == 0)
        {
            throw BadToken(null);
        }

        return parts[2];
    }

    /// <summary>The token of the page after <paramref name="position"/> (a store's position, any text) for <paramref name="query"/>.</summary>
    public static string CreateToken(JourneyIndexQuery query, string position)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentException.ThrowIfNullOrEmpty(position);
        return Base64Url.EncodeToString(Encoding.UTF8.GetBytes(Version + "." + Fingerprint(query) + "." + position));
    }

    /// <summary>The position "created ticks, journey id" the SQL stores page by, as token text.</summary>
    public static string Position(long ticks, string journeyId) => ticks.ToString(CultureInfo.InvariantCulture) + "." + journeyId;

    /// <summary>Reads a <see cref="Position(long, string)"/>.</summary>
    /// <exception cref="FormatException">It is not one.</exception>
    public static (long Ticks, string JourneyId) ParsePosition(string position)
    {
        ArgumentNullException.ThrowIfNull(position);
        var dot = position.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || dot == position.Length - 1 ||
            !long.TryParse(position.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks))
        {
            throw BadToken(null);
        }

        return (ticks, position[(dot + 1)..]);
    }

    /// <summary>Whether <paramref name="entry"/> matches the query's filters.</summary>
    public static bool Matches(JourneyIndexQuery query, JourneyIndexEntry entry) =>
        (query.DealerId is null || query.DealerId == entry.DealerId) &&
        (query.CustomerId is null || query.CustomerId == entry.CustomerId) &&
        (query.TemplateId is null || query.TemplateId == entry.TemplateId) &&
        (query.Finished is null || query.Finished == entry.Finished);

    private static string Fingerprint(JourneyIndexQuery query)
    {
        var filters = string.Join('\0', query.DealerId ?? "\u0001", query.CustomerId ?? "\u0001", query.TemplateId ?? "\u0001", query.Finished?.ToString() ?? "\u0001");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(filters)).AsSpan(0, 8));
    }

    private static FormatException BadToken(Exception? inner) =>
        new("The continuation token is not one this journey index query produced (it is opaque: pass back the token of the previous page of the same query unchanged).", inner);
}
