// Macro benchmarks of JourneyOrchestrator on SQLite (synchronous=FULL), and of the cluster engine on Azurite (events-dtfx). See docs/benchmarks.md.
//
//   dotnet run -c Release --project benchmarks/Benchmarks -- <events|timers|idle|all|events-dtfx|side-by-side|simulate|funnel|http|soak> [--option value ...]
//
// Each scenario prints one line "scenario=<name> key=value ..." on stdout; progress goes to stderr.
// Options (defaults are the target sizes):
//   --instances 10000               events: running instances
//   --events-per-instance 5         events: events raised to each, per trial
//   --trials 3                      events: timed trials, each paired with a raw SQLite run; the median ratio is reported
//   --single-instance-events 20000  events: events raised to one instance alone (its own figure)
//   --concurrency 256               events and timers: client calls in flight
//   --timer-instances 100000        timers: size of the burst
//   --burst-lead <s>                timers: how far ahead the burst is due (default 5 + count/4000)
//   --steady-rate 1000              timers: timers due per second in the steady phase
//   --steady-seconds 25             timers: length of the steady phase
//   --steady-lead 2                 timers: seconds between an instance's start and its timer
//   --idle-instances 1000000        idle: waiting instances in the store
//   --idle-seconds 60               idle: how long the idle host is watched
//   --keep true                     keep the temporary databases
//
//   --orchestration-batch N         experiments only: OrchestrationBatchSize (and MaxConcurrentOrchestrations >= N)
//   --extra-dispatch-loops N        experiments only: N more dispatcher loops beside the worker service's (batches overlap)
//
// Smoke run (about 30 s):
//   ... -- all --instances 1000 --trials 1 --single-instance-events 1000 --timer-instances 5000 --steady-seconds 5
//          --idle-instances 10000 --idle-seconds 5
//
// events-dtfx (not part of "all": it needs node; it starts Azurite itself, from AZURITE_FOLDER or
// tests/Storage.AzureStorage.Tests/.azurite, installing it there with npm if missing): the same events on the cluster
// engine, DTFx's TaskHubWorker over DurableTask.AzureStorage on Azurite, beside raw queue writes to the same Azurite. Its own defaults:
//   --instances 200 --events-per-instance 2 --concurrency 32 --partitions 4
//
// side-by-side (not part of "all"; needs node, like events-dtfx): events on our engine (SQLite) and on DTFx (Azurite) in one
// run with the same --instances 200 --events-per-instance 2 --concurrency 32 (and --trials 1, --partitions 4); one line with
// both, each one's ratio to its own raw storage, and ours_over_dtfx.
//
// simulate (not part of "all"): the shipped fifteen-years scenario of new-car-purchase in virtual time, timed per run.
//   --runs 20 --warmup 3
//
// funnel (not part of "all"): FunnelAnalytics.ComputeAsync (GET /api/analytics/funnel) over N stored journeys of new-car-purchase
// through the embedded engine's DurableTaskClient, beside raw Microsoft.Data.Sqlite reads of the same rows (with and without
// deserializing each custom status). Its own options:
//   --funnel-journeys 100000        funnel: journeys in the store (all of new-car-purchase version 1)
//   --funnel-dealers 50             funnel: dealers the journeys are spread over (one is the dealer filter's)
//   --trials 3                      funnel: timed reports, each followed by its raw reads; the median is reported
//
// http (not part of "all"): what a dealer system sees, POST /api/customers/{id}/events over HTTP against the real host process
// (the Release build of functions/Host, built first with -p:SkipConsoleBuild=true if missing or older than its sources;
// Production, system clock, rate limits off, a temporary data folder), from a load generator in this process (HttpClient over
// SocketsHttpHandler, keep-alive). Set-up: each customer's brochure.downloaded starts one journey of new-car-purchase; then
// quote.sent round-robin, timed. Reports 202s per second, latency percentiles, the share of sampled events the engine applied
// within 1 s of their 202 (from the journeys' histories), GET /health through the same client (the client's ceiling), the CPU
// of both processes, and the raw SQLite floor of the events scenario for as many events. Its own options:
//   --http-customers 10000          http: customers, one running journey each
//   --http-events 50000             http: quote.sent events sent (at most; see --http-seconds)
//   --http-seconds 60               http: the timed load stops after this long
//   --http-connections 64           http: keep-alive connections, one request in flight on each
//   --http-warmup 1000              http: quote.sent events sent first, not timed
//   --http-sample-every 100         http: every Nth event is looked up in its journey's history (applied_1s)
//   --http-health-seconds 5         http: length of the GET /health run
//   --http-raw-batch 256            http: events per COMMIT of the raw SQLite run
//   Smoke: ... -- http --http-customers 500 --http-events 3000 --http-seconds 10
//
// soak (not part of "all"): minutes of mixed load over HTTP against the real host process (started as for http), the host's
// RSS and CPU sampled every 10 s, then every event sent is looked up in the histories of the journeys its 202 named (each
// eventId exactly once as an ExternalEventReceived: lost, duplicated) and the TimerFired events of its own timer template
// (soak-timer: a chain of short waits, as the minimum loop wait refuses a loop of one short wait and a repeat) are counted.
// Fails (non-zero exit) on any non-2xx answer, lost or duplicated event. Its own options:
//   --soak-minutes 10               soak: length of the load
//   --soak-customers 2000           soak: seeded customers, one running journey of new-car-purchase each
//   --soak-event-rate 200           soak: dealer events per second to existing customers (quote.sent, quote.rejected, testdrive.booked, ...)
//   --soak-start-rate 5             soak: brochure.downloaded per second for new customers (new journeys)
//   --soak-upsert-rate 20           soak: PUT /api/customers/{id} per second
//   --soak-read-rate 60             soak: GET /api/customers/{id}, /api/journeys/{id}, /api/journeys?customer= per second (in turn)
//   --soak-tasks-rate 0.5           soak: GET /api/tasks?status=open per second
//   --soak-timer-journeys 300       soak: journeys of soak-timer, started over the first wait
//   --soak-timer-wait 30            soak: seconds of each wait of soak-timer (timers fire at about journeys / wait per second)
//   --soak-in-flight 128            soak: requests in flight at most (and keep-alive connections)
//   --soak-warm-minutes 2           soak: the RSS sample taken as warm (default min(2, minutes / 2))
//   --soak-drain-seconds 300        soak: how long the check waits for the engine to apply every event
//   Smoke: ... -- soak --soak-minutes 1
//
// Hidden: "idle-host <db>" (the idle scenario's child process), "probe-lock" (diagnostics of the dispatcher's poll).
using JourneyOrchestrator.Benchmarks;

if (args.Length == 0)
{
    Console.Error.WriteLine("usage: JourneyOrchestrator.Benchmarks <events|timers|idle|all|events-dtfx|side-by-side|simulate|funnel|http|soak> [--option value ...]");
    return 2;
}

if (args[0] == "idle-host")
{
    return await IdleScenario.HostAsync(args[1]);
}

var options = new BenchOptions(args[1..]);
Report.Progress($"machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, " +
    $".NET {Environment.Version}, SQLite {Report.SqliteVersion()}, GC {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}");
switch (args[0])
{
    case "events":
        await EventsScenario.RunAsync(options);
        break;
    case "timers":
        await TimersScenario.RunAsync(options);
        break;
    case "idle":
        await IdleScenario.RunAsync(options);
        break;
    case "events-dtfx":
        await EventsDtfxScenario.RunAsync(options);
        break;
    case "simulate":
        await SimulateScenario.RunAsync(options);
        break;
    case "funnel":
        await FunnelScenario.RunAsync(options);
        break;
    case "http":
        await HttpScenario.RunAsync(options);
        break;
    case "side-by-side":
        await SideBySideScenario.RunAsync(options);
        break;
    case "soak":
        await SoakScenario.RunAsync(options);
        break;
    case "probe-lock":
        await ProbeScenario.RunAsync(options);
        break;
    case "all":
        await EventsScenario.RunAsync(options);
        await TimersScenario.RunAsync(options);
        await IdleScenario.RunAsync(options);
        break;
    default:
        Console.Error.WriteLine($"unknown scenario '{args[0]}': use events, timers, idle, all, events-dtfx, side-by-side, simulate, funnel, http or soak");
        return 2;
}

return 0;
