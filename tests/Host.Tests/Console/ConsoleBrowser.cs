using JourneyOrchestrator.Host.Tests.Support;
using JourneyOrchestrator.Templates.Tests.Support;
using Microsoft.Playwright;

namespace JourneyOrchestrator.Host.Tests.Console;

/// <summary>
/// One real host process and one headless Chromium (Debian's, at <see cref="ChromiumPath"/>; Playwright never downloads a
/// browser here) for the console's browser tests: each test opens its own browser context (its own session storage). The
/// browser resolves no name but 127.0.0.1, so a page that reached for the internet would fail. Screenshots go to
/// <c>TestResults/console/</c>.
/// </summary>
public sealed class ConsoleBrowser : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/lib/chromium/chromium";

    private HostProcess? _host;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public HostProcess Host => _host ?? throw new InvalidOperationException("The host has not started.");

    public static string Screenshots { get; } = Path.Combine(Repo.Root, "TestResults", "console");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"No Chromium at {ChromiumPath}: install Debian's 'chromium' package (./.ci/run does).");
        }

        _host = await HostProcess.StartAsync();
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--disable-gpu", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"],
        });
        Directory.CreateDirectory(Screenshots);
    }

    /// <summary>A fresh page (own context) at the console, 1400x900, with every console error and failed request collected.</summary>
    public async Task<ConsolePage> OpenAsync()
    {
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 }, BaseURL = Host.BaseAddress.ToString() });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        var console = new ConsolePage(context, page);
        await page.GotoAsync("/console/");
        return console;
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}

/// <summary>A console page in its own browser context, and what went wrong in it (errors in its console, failed requests).</summary>
public sealed class ConsolePage : IAsyncDisposable
{
    private readonly IBrowserContext _context;

    public ConsolePage(IBrowserContext context, IPage page)
    {
        _context = context;
        Page = page;
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                Errors.Add($"{message.Text} ({message.Location})");
            }
        };
        page.PageError += (_, error) => Errors.Add(error);
        page.Request += (_, request) => Requests.Add(request.Url);
    }

    public IPage Page { get; }

    /// <summary>Errors the page logged or threw (a content-security-policy violation is one).</summary>
    public List<string> Errors { get; } = [];

    public List<string> Requests { get; } = [];

    /// <summary>Signs in with <paramref name="key"/> from the keyboard alone: the key field has the focus to start with or is tabbed to.</summary>
    public async Task SignInAsync(string key)
    {
        var field = Page.GetByLabel("API key");
        await field.FocusAsync();
        await Page.Keyboard.TypeAsync(key);
        await Page.Keyboard.PressAsync("Enter");
        await Page.GetByTestId("signed-in-as").WaitForAsync();
    }

    public ILocator Nav(string name) => Page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = name, Exact = true });

    public async Task ScreenshotAsync(string name) =>
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ConsoleBrowser.Screenshots, name + ".png"), FullPage = false });

    public async ValueTask DisposeAsync() => await _context.DisposeAsync();
}
