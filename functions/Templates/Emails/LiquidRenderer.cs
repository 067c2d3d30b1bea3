using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fluid;
using Fluid.Values;

namespace JourneyOrchestrator.Templates.Emails;

/// <summary>
/// Parses and renders Liquid (Fluid) with a journey model: the top-level keys of the model (<c>customer</c>, <c>data</c>,
/// <c>event</c>, <c>journey</c>, ...) are the Liquid variables. Parsed templates are cached by source text.
/// </summary>
public sealed class LiquidRenderer
{
    private static readonly FluidParser Parser = new();
    private readonly ConcurrentDictionary<string, IFluidTemplate> _cache = new(StringComparer.Ordinal);
    private readonly TemplateOptions _options = new() { CultureInfo = CultureInfo.InvariantCulture, TimeZone = TimeZoneInfo.Utc };

    /// <summary>Checks Liquid syntax; the error message says where the problem is.</summary>
    public static bool TryParse(string source, out string? error)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Parser.TryParse(source, out _, out error);
    }

    /// <summary>Renders <paramref name="source"/>; HTML-encodes output values when <paramref name="html"/>.</summary>
    /// <exception cref="FormatException">The Liquid does not parse.</exception>
    public string Render(string source, JsonObject? model, bool html)
    {
        ArgumentNullException.ThrowIfNull(source);
        var template = _cache.GetOrAdd(source, static s => Parser.TryParse(s, out var parsed, out var error)
            ? parsed
            : throw new FormatException($"Liquid error: {error}"));
        var context = new TemplateContext(_options);
        foreach (var (name, value) in model ?? [])
        {
            context.SetValue(name, ToFluid(value));
        }

        return html ? template.Render(context, HtmlEncoder.Default) : template.Render(context, NullEncoder.Default);
    }

    private static FluidValue ToFluid(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return NilValue.Instance;
            case JsonObject obj:
                var dictionary = new Dictionary<string, FluidValue>(StringComparer.Ordinal);
                foreach (var (key, value) in obj)
                {
                    dictionary[key] = ToFluid(value);
                }

                return new DictionaryValue(new FluidValueDictionaryFluidIndexable(dictionary));
            case JsonArray array:
                return new ArrayValue([.. array.Select(ToFluid)]);
            default:
                var element = node.AsValue();
                return element.GetValueKind() switch
                {
                    JsonValueKind.String => StringValue.Create(element.GetValue<string>()),
                    JsonValueKind.Number => NumberValue.Create(decimal.Parse(element.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture)),
                    JsonValueKind.True => BooleanValue.True,
                    JsonValueKind.False => BooleanValue.False,
                    _ => NilValue.Instance,
                };
        }
    }
}
