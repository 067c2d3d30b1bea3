using System.Text.Json.Nodes;
using JourneyOrchestrator.Core.DependencyInjection;
using JourneyOrchestrator.Core.Storage;
using JourneyOrchestrator.Templates.DependencyInjection;
using JourneyOrchestrator.Templates.Interpreter;
using JourneyOrchestrator.Templates.Model;
using JourneyOrchestrator.Templates.Scheduling;
using JourneyOrchestrator.Templates.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace JourneyOrchestrator.Templates.Tests;

/// <summary>The per-journey hourly budget (steps, touchpoints, event bytes), on the fake clock.</summary>
public sealed class JourneyBudgetTests
{
    /// <summary>Each "ping" sends an e-mail and waits again (three steps), in one execution or, with a repeat, in a new one each time.</summary>
    private static JourneyTemplate PingMail(bool repeat) => new()
    {
        Id = "ping-mail",
        Name = "Ping mail",
        Events = ["start"],
        Start = "wait",
        Steps =
        [
            new StepSpec { Id = "wait", Kind = "waitForEvent", Events = ["ping"], Next = "mail" },
            new StepSpec { Id = "mail", Kind = "email", Email = "quote-follow-up", Category = "transactional", Next = repeat ? "again" : "phase" },
            new StepSpec { Id = "phase", Kind = "setPhase", Phase = "pinged", Next = "wait" },
            new StepSpec { Id = "again", Kind = "repeat", Goto = "wait" },
        ],
    };

    private static JourneyHarness Harness(JourneyBudget budget, bool repeat = false) =>
        JourneyHarness.CreateWith(new BusinessHoursOptions(), s => s.AddSingleton(budget), PingMail(repeat));

    [Fact]
    public async Task Touchpoints_OverTheHourlyLimit_FailTheJourneySayingWhy()
    {
        await using var h = Harness(new JourneyBudget { MaxTouchpointsPerHour = 3 });
        var id = await h.StartAsync("ping-mail");
        for (var i = 0; i < 3; i++)
        {
            await h.RaiseAsync(id, "ping");
            await h.AdvanceAsync(TimeSpan.FromMinutes(10));
        }

        var beforeTheFourth = (await h.InstanceAsync(id)).Status;
        await h.RaiseAsync(id, "ping");

        var instance = await h.InstanceAsync(id);
        Assert.Equal(InstanceStatus.Running, beforeTheFourth);
        Assert.Equal(InstanceStatus.Failed, instance.Status);
        Assert.Equal(typeof(JourneyBudgetExceededException).FullName, instance.Failure!.ErrorType);
        Assert.StartsWith("The journey exceeded its budget of 3 touchpoints per hour (4 since 2026-01-05T09:00:00.0000000+00:00;", instance.Failure.Message, StringComparison.Ordinal);
        Assert.Contains("at step 'mail'", instance.Failure.Message, StringComparison.Ordinal);
        Assert.Equal(3, h.Data.Mail.Count);
    }

    [Fact]
    public async Task Touchpoints_SpreadOverHours_StayWithinTheBudget()
    {
        await using var h = Harness(new JourneyBudget { MaxTouchpointsPerHour = 3 });
        var id = await h.StartAsync("ping-mail");
        for (var i = 0; i < 8; i++)
        {
            await h.RaiseAsync(id, "ping");
            await h.AdvanceAsync(TimeSpan.FromMinutes(25)); // at most three in any window that opens at a count
        }

        Assert.Equal(InstanceStatus.Running, (await h.InstanceAsync(id)).Status);
        Assert.Equal(8, h.Data.Mail.Count);
    }

    [Fact]
    public async Task TheWindow_IsCarriedAcrossTheRepeat_ARepeatingJourneyCannotResetIt()
    {
        await using var h = Harness(new JourneyBudget { MaxTouchpointsPerHour = 2 }, repeat: true);
        var id = await h.StartAsync("ping-mail");
        await h.RaiseAsync(id, "ping");
        await h.RaiseAsync(id, "ping");
        var afterTwo = await h.StatusAsync(id);

        await h.RaiseAsync(id, "ping");

        Assert.Equal(2, afterTwo.Iteration); // two repeats: two new executions
        Assert.Equal(InstanceStatus.Failed, (await h.InstanceAsync(id)).Status);
        Assert.Contains("budget of 2 touchpoints per hour (3 since", (await h.InstanceAsync(id)).Failure!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EventBytes_AFloodOfLargeEvents_FailsTheJourney()
    {
        await using var h = Harness(new JourneyBudget { MaxEventBytesPerHour = 2500, MaxTouchpointsPerHour = 0 });
        var id = await h.StartAsync("ping-mail");
        var big = new JsonObject { ["notes"] = new string('x', 900) }; // about 1 KB with the payload around it

        await h.RaiseAsync(id, "ping", big);
        await h.RaiseAsync(id, "ping", big);
        var afterTwo = (await h.InstanceAsync(id)).Status;
        await h.RaiseAsync(id, "ping", big);

        var instance = await h.InstanceAsync(id);
        Assert.Equal(InstanceStatus.Running, afterTwo);
        Assert.Equal(InstanceStatus.Failed, instance.Status);
        Assert.Contains("event bytes per hour", instance.Failure!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Steps_OverTheHourlyLimit_FailTheJourney()
    {
        await using var h = Harness(new JourneyBudget { MaxStepsPerHour = 10, MaxTouchpointsPerHour = 0 });
        var id = await h.StartAsync("ping-mail"); // step 1: wait
        await h.RaiseAsync(id, "ping"); // mail, phase, wait: 4
        await h.RaiseAsync(id, "ping"); // 7
        await h.RaiseAsync(id, "ping"); // 10
        var atTheLimit = (await h.InstanceAsync(id)).Status;
        await h.RaiseAsync(id, "ping"); // 11

        Assert.Equal(InstanceStatus.Running, atTheLimit);
        var instance = await h.InstanceAsync(id);
        Assert.Equal(InstanceStatus.Failed, instance.Status);
        Assert.Contains("budget of 10 steps per hour (11 since", instance.Failure!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Budget_FromTheTemplatesOptions_IsTheInterpretersOne_ANegativeLimitIsRefusedAtRegistration()
    {
        var services = new ServiceCollection();
        services.AddJourneyOrchestrator().AddJourneyTemplates(o =>
        {
            o.EmailTemplateFolder = Repo.EmailsFolder;
            o.Budget = new JourneyBudget { MaxTouchpointsPerHour = 7 };
        });

        Assert.Equal(7, services.BuildServiceProvider().GetRequiredService<JourneyBudget>().MaxTouchpointsPerHour);
        Assert.Equal(20, new JourneyBudget().MaxTouchpointsPerHour);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ServiceCollection().AddJourneyOrchestrator().AddJourneyTemplates(o =>
        {
            o.EmailTemplateFolder = Repo.EmailsFolder;
            o.Budget = new JourneyBudget { MaxEventBytesPerHour = -1 };
        }));
        Assert.Equal("MaxEventBytesPerHour", error.ParamName);
    }
}
