using System.Security.Cryptography;
using System.Text;
using JourneyOrchestrator.Api.Journeys;
using JourneyOrchestrator.Templates.Data;

namespace JourneyOrchestrator.Host.Tests.Identity;

/// <summary>The derivation of journey ids and journey-key tags: keyed, deterministic, scoped and free of personal data.</summary>
public sealed class JourneyIdsTests
{
    private static readonly byte[] Secret = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private readonly JourneyIds _ids = new(Secret);

    [Fact]
    public void ForEntry_SameInputs_SameId_InTheReservedNamespace()
    {
        var id = _ids.ForEntry("dealer-a", "anna", "new-car-purchase", "deal-1");

        Assert.Equal(id, new JourneyIds(Secret).ForEntry("dealer-a", "anna", "new-car-purchase", "deal-1"));
        Assert.Matches("^j-new-car-purchase-[0-9a-f]{32}$", id);
        Assert.True(JourneyIds.IsReserved(id));
    }

    [Fact]
    public void ForEntry_AnyPartDiffers_IdDiffers()
    {
        var ids = new[]
        {
            _ids.ForEntry("dealer-a", "anna", "new-car-purchase", "deal-1"),
            _ids.ForEntry("dealer-b", "anna", "new-car-purchase", "deal-1"),
            _ids.ForEntry("dealer-a", "bert", "new-car-purchase", "deal-1"),
            _ids.ForEntry("dealer-a", "anna", "service-reminder", "deal-1"),
            _ids.ForEntry("dealer-a", "anna", "new-car-purchase", "deal-2"),
            _ids.ForEntry("dealer-a", "anna", "new-car-purchase", null),
            // The parts are joined with a separator no id may contain: moving a character across parts changes the id.
            _ids.ForEntry("dealer-a", "annad", "new-car-purchase", "eal-1"),
        };

        Assert.Equal(ids.Length, ids.Distinct().Count());
    }

    [Fact]
    public void ForEntry_WithoutTheSecret_CannotBePredicted()
    {
        var id = _ids.ForEntry("dealer-a", "anna", "new-car-purchase", "deal-1");
        var otherSecret = new JourneyIds(Enumerable.Repeat((byte)7, 32).ToArray()).ForEntry("dealer-a", "anna", "new-car-purchase", "deal-1");
        var builtIn = new JourneyIds(null).ForEntry("dealer-a", "anna", "new-car-purchase", "deal-1");
        // The id scheme before this change: a plain SHA-256 anyone could compute.
        var plain = "j-new-car-purchase-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("dealer-a\nanna\nnew-car-purchase\ndeal-1")))[..20];

        Assert.Equal(3, new[] { id, otherSecret, builtIn }.Distinct().Count());
        Assert.DoesNotContain(plain["j-new-car-purchase-".Length..], id, StringComparison.Ordinal);
    }

    [Fact]
    public void Hashes_AreUnrelatedToTheErasureHashesUnderTheSameSecret()
    {
        var hasher = new ErasureHasher(Secret);

        var tag = _ids.KeyTag("dealer-a", "anna", "anna@example.com");

        Assert.DoesNotContain(tag, hasher.CustomerHash("dealer-a", "anna"), StringComparison.Ordinal);
        Assert.DoesNotContain(tag, hasher.AddressHash("dealer-a", "anna@example.com"), StringComparison.Ordinal);
        Assert.DoesNotContain(_ids.ForEntry("dealer-a", "anna", "t", null)[4..], hasher.CustomerHash("dealer-a", "anna"), StringComparison.Ordinal);
    }

    [Fact]
    public void KeyTag_HoldsNoPersonalData_AndIsScopedToDealerAndCustomer()
    {
        var tag = _ids.KeyTag("dealer-a", "anna", "anna@example.com");

        Assert.Matches("^[0-9a-f]{32}$", tag);
        Assert.Equal(tag, _ids.KeyTag("dealer-a", "anna", "anna@example.com"));
        Assert.NotEqual(tag, _ids.KeyTag("dealer-b", "anna", "anna@example.com"));
        Assert.NotEqual(tag, _ids.KeyTag("dealer-a", "bert", "anna@example.com"));
        Assert.NotEqual(tag, _ids.KeyTag("dealer-a", "anna", "Anna@example.com"));
    }

    [Fact]
    public void EntryId_OfAnEMailKey_HoldsNoPartOfIt()
    {
        var id = _ids.ForEntry("dealer-a", "anna", "new-car-purchase", "anna.devries@example.com");

        Assert.DoesNotContain("anna", id, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@", id, StringComparison.Ordinal);
    }

    [Fact]
    public void ReentryAndDetour_DependOnTheEventAndStayInTheNamespace()
    {
        var entry = _ids.ForEntry("dealer-a", "anna", "new-car-purchase", "deal-1");

        var reentry = _ids.ForReentry(entry, "evt-2");
        var detour = _ids.Detour(entry, "evt-2");

        Assert.Matches($"^{entry}-[0-9a-f]{{16}}$", reentry);
        Assert.Matches($"^{entry}-x[0-9a-f]{{16}}$", detour);
        Assert.NotEqual(reentry, _ids.ForReentry(entry, "evt-3"));
        Assert.NotEqual(detour, _ids.Detour(entry, "evt-3"));
        Assert.Equal(detour, _ids.Detour(entry, "evt-2"));
        Assert.True(JourneyIds.IsReserved(reentry) && JourneyIds.IsReserved(detour));
        // The longest template id (100 characters) still gives ids within the runtime's 200.
        var longest = _ids.Detour(_ids.ForReentry(_ids.ForEntry("d", "c", new string('t', 100), "k"), "e"), "e");
        Assert.True(longest.Length <= 200, longest.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("j-anything", true)]
    [InlineData("J-anything", true)]
    [InlineData("journey-1", false)]
    [InlineData("my-j-1", false)]
    public void IsReserved_OnlyThePrefix(string id, bool reserved) => Assert.Equal(reserved, JourneyIds.IsReserved(id));

    [Fact]
    public void Secret_ShorterThan32Bytes_Refused() => Assert.Throws<ArgumentException>(() => new JourneyIds(new byte[31]));
}
