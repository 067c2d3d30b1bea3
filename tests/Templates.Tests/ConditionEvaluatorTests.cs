using System.Text.Json.Nodes;
using JourneyOrchestrator.Templates.Conditions;
using JourneyOrchestrator.Templates.Model;

namespace JourneyOrchestrator.Templates.Tests;

public sealed class ConditionEvaluatorTests
{
    private static readonly JsonObject Model = JsonNode.Parse("""
        {
          "customer": { "firstName": "Anna", "locale": "nl-NL", "consent": { "email": true } },
          "data": { "model": "Hybrid X", "price": 38950, "odometerKm": "3100", "options": ["tow bar", "heat pump"], "fleet": false },
          "event": { "name": "quote.rejected", "data": { "reason": "Too expensive" } },
          "journey": { "phase": "choice", "iteration": 0 }
        }
        """)!.AsObject();

    private static bool Eval(ConditionSpec condition) => ConditionEvaluator.Evaluate(condition, Model);

    [Fact]
    public void EqualTo_TextNumberAndBoolean_Compare()
    {
        Assert.True(Eval(new ConditionSpec { Path = "data.model", EqualTo = "Hybrid X" }));
        Assert.False(Eval(new ConditionSpec { Path = "data.model", EqualTo = "hybrid x" }));
        Assert.True(Eval(new ConditionSpec { Path = "data.price", EqualTo = 38950.0 }));
        Assert.True(Eval(new ConditionSpec { Path = "data.fleet", EqualTo = false }));
        Assert.True(Eval(new ConditionSpec { Path = "customer.consent.email", EqualTo = true }));
    }

    [Fact]
    public void NotEqualTo_MissingValue_IsTrue()
    {
        Assert.True(Eval(new ConditionSpec { Path = "data.missing", NotEqualTo = "x" }));
        Assert.False(Eval(new ConditionSpec { Path = "journey.phase", NotEqualTo = "choice" }));
    }

    [Fact]
    public void Exists_PresentAndMissing()
    {
        Assert.True(Eval(new ConditionSpec { Path = "event.data.reason", Exists = true }));
        Assert.True(Eval(new ConditionSpec { Path = "data.deliveryDate", Exists = false }));
    }

    [Fact]
    public void Comparisons_NumbersAndNumericText()
    {
        Assert.True(Eval(new ConditionSpec { Path = "data.price", GreaterThan = 30000 }));
        Assert.True(Eval(new ConditionSpec { Path = "data.odometerKm", GreaterOrEqual = 3000 }));
        Assert.False(Eval(new ConditionSpec { Path = "data.price", LessThan = 30000 }));
        Assert.True(Eval(new ConditionSpec { Path = "journey.iteration", LessOrEqual = 0 }));
        Assert.False(Eval(new ConditionSpec { Path = "data.model", GreaterThan = 1 }));
        Assert.False(Eval(new ConditionSpec { Path = "data.missing", LessThan = 1 }));
    }

    [Fact]
    public void In_AnyOfTheValues()
    {
        Assert.True(Eval(new ConditionSpec { Path = "customer.locale", In = ["da-DK", "nl-NL"] }));
        Assert.False(Eval(new ConditionSpec { Path = "customer.locale", In = ["en-GB"] }));
    }

    [Fact]
    public void Contains_TextIgnoresCase_ArraysMatchElements()
    {
        Assert.True(Eval(new ConditionSpec { Path = "event.data.reason", Contains = "expensive" }));
        Assert.True(Eval(new ConditionSpec { Path = "data.options", Contains = "tow bar" }));
        Assert.False(Eval(new ConditionSpec { Path = "data.options", Contains = "sunroof" }));
        Assert.True(Eval(new ConditionSpec { Path = "data.options.1", EqualTo = "heat pump" }));
    }

    [Fact]
    public void AllAnyNot_Combine()
    {
        var expensiveHybrid = new ConditionSpec
        {
            All = [new ConditionSpec { Path = "data.model", Contains = "hybrid" }, new ConditionSpec { Path = "data.price", GreaterThan = 30000 }],
        };
        Assert.True(Eval(expensiveHybrid));
        Assert.True(Eval(new ConditionSpec { Any = [new ConditionSpec { Path = "data.fleet", EqualTo = true }, expensiveHybrid] }));
        Assert.False(Eval(new ConditionSpec { Not = expensiveHybrid }));
    }

    [Fact]
    public void Evaluate_NoOperator_Throws() =>
        Assert.Throws<ArgumentException>(() => Eval(new ConditionSpec { Path = "data.model" }));
}
