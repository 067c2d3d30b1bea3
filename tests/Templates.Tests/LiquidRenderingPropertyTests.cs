using System.Text.Encodings.Web;
using System.Text.Json.Nodes;
using CsCheck;
using JourneyOrchestrator.Templates.Emails;

namespace JourneyOrchestrator.Templates.Tests;

/// <summary>
/// Property tests of the Liquid rendering of customer data (CsCheck): whatever a dealer system puts in a profile or an
/// event's data, it is output as text — HTML-encoded in a body, verbatim in a line, never evaluated as Liquid — and
/// whatever Liquid an author writes, a render either succeeds within its limits or fails with the renderer's own errors.
/// </summary>
public sealed class LiquidRenderingPropertyTests
{
    private static readonly LiquidRenderer Renderer = new();

    /// <summary>Text a dealer might send, and worse: markup, Liquid, quotes, control characters, non-Latin scripts.</summary>
    private static readonly Gen<string> CustomerText =
        Gen.OneOf(
                Gen.Char["<>&\"'/{}%|=;:!\\ \t\n\r\u0000\u202eabcXYZ019"],
                Gen.Char.AlphaNumeric,
                Gen.Char[(char)0x00c0, (char)0x024f],
                Gen.Char[(char)0x0400, (char)0x04ff],
                Gen.Char[(char)0x4e00, (char)0x4fff])
            .Array[0, 80]
            .Select(chars => new string(chars))
            .Select(Gen.OneOf("", "{{ 7 | times: 6 }}", "{% for i in (1..100000) %}x{% endfor %}", "<script>alert(1)</script>", "{{"), (text, liquid) => text + liquid);

    [Fact]
    public void CustomerData_IsHtmlEncodedInABody_AndNeverEvaluated() =>
        CustomerText.Sample(name =>
        {
            var model = new JsonObject { ["customer"] = new JsonObject { ["firstName"] = name }, ["data"] = new JsonObject { ["model"] = name } };
            var body = Renderer.Render("<p>Hi {{ customer.firstName }}, your {{ data.model }}.</p>", model, html: true);
            var encoded = HtmlEncoder.Default.Encode(name);
            Assert.Equal($"<p>Hi {encoded}, your {encoded}.</p>", body);
            Assert.DoesNotContain("<script", body, StringComparison.OrdinalIgnoreCase);
        }, iter: 3000, threads: 1);

    [Fact]
    public void CustomerData_IsVerbatimInAText_AndASubjectIsOneLine() =>
        CustomerText.Sample(name =>
        {
            var model = new JsonObject { ["customer"] = new JsonObject { ["firstName"] = name } };
            Assert.Equal($"Hello {name}!", Renderer.Render("Hello {{ customer.firstName }}!", model, html: false));
            var subject = Renderer.RenderLine("Your car, {{ customer.firstName }}", model);
            Assert.DoesNotContain('\n', subject);
            Assert.DoesNotContain('\r', subject);
        }, iter: 3000, threads: 1);

    /// <summary>Liquid as an author (or a fuzzer) writes it: tags, filters, loops, ranges and arithmetic in any order.</summary>
    private static readonly Gen<string> LiquidSource =
        Gen.OneOf(
                "{{", "}}", "{%", "%}", " for i in ", "(1..", "9999999", ")", " endfor ", " if ", " else ", " endif ", " assign x = ",
                " x ", " i ", " customer.firstName ", " data.items ", " | ", " upcase", " size", " divided_by: ", " times: ", " 0 ",
                " limit: 3", "'a'", "\"b\"", " == ", " contains ", " cycle ", " capture c ", " endcapture ", " raw ", " endraw ",
                " tablerow ", " endtablerow ", " unless ", " endunless ", " case ", " when ", " endcase ", "<b>", "\n", "-", ".", "[", "]")
            .Array[0, 40]
            .Select(parts => string.Concat(parts));

    [Fact]
    public void AnyLiquid_RendersWithinItsLimits_OrFailsWithTheRenderersOwnErrors()
    {
        var outcomes = new int[3]; // rendered, Liquid error, limit
        var model = new JsonObject
        {
            ["customer"] = new JsonObject { ["firstName"] = "Anna" },
            ["data"] = new JsonObject { ["items"] = new JsonArray(1, 2, 3) },
        };
        LiquidSource.Sample(source =>
        {
            foreach (var html in new[] { true, false })
            {
                try
                {
                    var output = Renderer.Render(source, model, html);
                    Assert.InRange(output.Length, 0, html ? Renderer.Limits.MaxBodyLength : Renderer.Limits.MaxLineLength);
                    outcomes[0]++;
                }
                catch (LiquidLimitException)
                {
                    outcomes[2]++;
                }
                catch (FormatException)
                {
                    outcomes[1]++;
                }
            }
        }, iter: 2000, threads: 1);

        Assert.True(outcomes[0] > 50 && outcomes[1] > 50, $"rendered {outcomes[0]}, Liquid errors {outcomes[1]}, limits {outcomes[2]}");
    }
}
