using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fluid;
using Fluid.Ast;
using Fluid.Values;

namespace JourneyOrchestrator.Templates.Emails;

/// <summary>
/// Parses and renders Liquid (Fluid) with a journey model: the top-level keys of the model (<c>customer</c>, <c>data</c>,
/// <c>event</c>, <c>journey</c>, ...) are the Liquid variables. Parsed templates are cached by source text.
/// </summary>
/// <remarks>
/// Every render is bounded by <see cref="LiquidLimits"/>: statements executed, recursion, the length of the output (checked
/// while it is written: an HTML render is an e-mail body, a plain one a subject or a task title) and of every value made by
/// <c>assign</c> or <c>capture</c>. A render that hits one throws <see cref="LiquidLimitException"/> (a
/// <see cref="FormatException"/>), which the activities record as a failed touchpoint. JSON numbers outside the range of
/// Liquid's decimal numbers (1e30, 1e400) are rendered as written, as text.
/// </remarks>
public sealed class LiquidRenderer
{
    private static readonly FluidParser Parser = new();
    private readonly ConcurrentDictionary<string, IFluidTemplate> _cache = new(StringComparer.Ordinal);
    private readonly TemplateOptions _options;
    private readonly BoundedRanges _ranges;

    public LiquidRenderer()
        : this(null)
    {
    }

    public LiquidRenderer(LiquidLimits? limits)
    {
        Limits = limits ?? new LiquidLimits();
        _options = new TemplateOptions
        {
            CultureInfo = CultureInfo.InvariantCulture,
            TimeZone = TimeZoneInfo.Utc,
            MaxSteps = Limits.MaxSteps,
            MaxRecursion = Limits.MaxRecursion,
        };
        _ranges = new BoundedRanges(Limits.MaxRangeLength);
        var maxValue = Limits.MaxValueLength;
        _options.Assigned = (name, value, _) => CheckValue("assign", name, value, maxValue);
        _options.Captured = (name, value, _) => CheckValue("capture", name, value, maxValue);
    }

    /// <summary>The limits every render of this renderer is held to.</summary>
    public LiquidLimits Limits { get; }

    /// <summary>Checks Liquid syntax; the error message says where the problem is.</summary>
    public static bool TryParse(string source, out string? error)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Parser.TryParse(source, out _, out error);
    }

    /// <summary>As <see cref="TryParse(string, out string?)"/>, with the parsed template (for checks that walk it).</summary>
    public static bool TryParse(string source, out IFluidTemplate? template, out string? error)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Parser.TryParse(source, out template, out error);
    }

    /// <summary>
    /// Renders <paramref name="source"/>; HTML-encodes output values when <paramref name="html"/> (an e-mail body, at most
    /// <see cref="LiquidLimits.MaxBodyLength"/> characters), otherwise at most <see cref="LiquidLimits.MaxLineLength"/>.
    /// </summary>
    /// <exception cref="FormatException">The Liquid does not parse.</exception>
    /// <exception cref="LiquidLimitException">The render hit one of the <see cref="Limits"/>.</exception>
    public string Render(string source, JsonObject? model, bool html)
    {
        ArgumentNullException.ThrowIfNull(source);
        var template = _cache.GetOrAdd(source, static (s, ranges) => Parser.TryParse(s, out var parsed, out var error)
            ? ranges.VisitTemplate(parsed)
            : throw new FormatException($"Liquid error: {error}"), _ranges);
        var context = new TemplateContext(_options);
        foreach (var (name, value) in model ?? [])
        {
            context.SetValue(name, ToFluid(value));
        }

        var (limit, max, what) = html
            ? (nameof(LiquidLimits.MaxBodyLength), Limits.MaxBodyLength, "the e-mail body")
            : (nameof(LiquidLimits.MaxLineLength), Limits.MaxLineLength, "the text");
        using var writer = new BoundedWriter(limit, max, what);
        try
        {
            var rendering = template.RenderAsync(writer, context, html ? HtmlEncoder.Default : NullEncoder.Default, isolateContext: true);
            if (!rendering.IsCompletedSuccessfully)
            {
                rendering.AsTask().GetAwaiter().GetResult(); // no async filters are registered: this completes synchronously
            }
        }
        catch (InvalidOperationException e) when (e.Message.StartsWith("The maximum", StringComparison.Ordinal))
        {
            // Fluid 2.x says "maximum level of recursion" for both its step and its recursion limits; templates cannot include
            // others here, so it is the steps.
            throw new LiquidLimitException(nameof(LiquidLimits.MaxSteps), Limits.MaxSteps, "the template ran too many statements (a loop too long?)");
        }
        catch (Exception e) when (e is ArithmeticException or InvalidCastException or ArgumentException or InvalidOperationException or IndexOutOfRangeException or KeyNotFoundException)
        {
            // Data the template did not expect (a range bound of 1e20, a division by zero): that render fails, as a Liquid error.
            throw new FormatException($"Liquid render error: {e.GetType().Name}: {e.Message}", e);
        }

        return writer.ToString();
    }

    /// <summary>
    /// Renders a one-line text that goes into a header (an e-mail subject): as <see cref="Render"/> without HTML, then
    /// <see cref="EmailText.SingleLine"/> (CR, LF and other control characters become spaces) and trimmed.
    /// </summary>
    /// <exception cref="FormatException">The Liquid does not parse, or the render hit a limit.</exception>
    public string RenderLine(string source, JsonObject? model) => EmailText.SingleLine(Render(source, model, html: false));

    private static FluidValue CheckValue(string tag, string name, FluidValue value, int max)
    {
        if (value is StringValue && value.ToStringValue().Length > max)
        {
            throw new LiquidLimitException(nameof(LiquidLimits.MaxValueLength), max, $"'{tag}' made '{name}' longer than allowed");
        }

        return value;
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
                    JsonValueKind.Number => Number(element.ToJsonString()),
                    JsonValueKind.True => BooleanValue.True,
                    JsonValueKind.False => BooleanValue.False,
                    _ => NilValue.Instance,
                };
        }
    }

    /// <summary>A JSON number as a Liquid number; beyond decimal's range (about ±7.9e28, or 1e400) as its JSON text.</summary>
    internal static FluidValue Number(string json) =>
        decimal.TryParse(json, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? NumberValue.Create(value)
            : StringValue.Create(json);

    /// <summary>Replaces every range <c>(a..b)</c> with one that refuses to build more than <c>max</c> values (Fluid 2 builds them all first).</summary>
    private sealed class BoundedRanges(int max) : AstRewriter
    {
        protected override Expression VisitRangeExpression(RangeExpression rangeExpression) =>
            base.VisitRangeExpression(rangeExpression) is RangeExpression range ? new BoundedRange(range.From, range.To, max) : rangeExpression;
    }

    private sealed class BoundedRange(Expression from, Expression to, int max) : Expression
    {
        public override async ValueTask<FluidValue> EvaluateAsync(TemplateContext context)
        {
            var start = (await from.EvaluateAsync(context)).ToNumberValue();
            var end = (await to.EvaluateAsync(context)).ToNumberValue();
            if (end - start >= max)
            {
                throw new LiquidLimitException(nameof(LiquidLimits.MaxRangeLength), max, $"the range ({start}..{end}) has more values than allowed");
            }

            var first = (int)Math.Clamp(Math.Truncate(start), int.MinValue, int.MaxValue);
            var last = (int)Math.Clamp(Math.Truncate(end), int.MinValue, int.MaxValue);
            var values = new FluidValue[Math.Max(0, last - first + 1)];
            for (var i = 0; i < values.Length; i++)
            {
                context.IncrementSteps();
                values[i] = NumberValue.Create(first + i);
            }

            return new ArrayValue(values);
        }
    }

    /// <summary>A string writer that refuses to grow past its limit: the output is bounded while it is written, not after.</summary>
    private sealed class BoundedWriter(string limit, int max, string what) : TextWriter(CultureInfo.InvariantCulture)
    {
        private readonly StringBuilder _text = new();

        public override Encoding Encoding => Encoding.Unicode;

        public override void Write(char value)
        {
            Room(1);
            _text.Append(value);
        }

        public override void Write(char[] buffer, int index, int count)
        {
            Room(count);
            _text.Append(buffer, index, count);
        }

        public override void Write(string? value)
        {
            Room(value?.Length ?? 0);
            _text.Append(value);
        }

        public override void Write(ReadOnlySpan<char> buffer)
        {
            Room(buffer.Length);
            _text.Append(buffer);
        }

        public override Task WriteAsync(char value)
        {
            Write(value);
            return Task.CompletedTask;
        }

        public override Task WriteAsync(string? value)
        {
            Write(value);
            return Task.CompletedTask;
        }

        public override Task WriteAsync(char[] buffer, int index, int count)
        {
            Write(buffer, index, count);
            return Task.CompletedTask;
        }

        public override Task WriteAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return Task.CompletedTask;
        }

        public override string ToString() => _text.ToString();

        private void Room(int count)
        {
            if (_text.Length + (long)count > max)
            {
                throw new LiquidLimitException(limit, max, $"{what} is longer than allowed");
            }
        }
    }
}
