using Microsoft.Extensions.FileProviders;

namespace JourneyOrchestrator.Host.ConsoleSite;

/// <summary>
/// The marketing-ops console (<c>functions/Console</c>, a Vite build copied to <c>&lt;output&gt;/console</c> by the host's build)
/// at <c>/console/</c>: static files, and <c>index.html</c> for any other path under it (the app routes in the browser). The
/// pages hold no data: everything they show comes from the API with the key the user signs in with, which stays in the
/// browser's session storage and goes only into the <c>X-Api-Key</c> header. A path under <c>/console/</c> with a file
/// extension that is not a file is a 404; any other is the app's <c>index.html</c>. Strict headers: a content security policy that
/// allows only this origin's scripts and connections, no framing of the console, no referrer.
/// </summary>
public static class ConsoleEndpoints
{
    public const string Path = "/console";

    private const string Policy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
        "frame-src 'self' about:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

    public static WebApplication MapConsole(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var folder = System.IO.Path.Combine(AppContext.BaseDirectory, "console");
        var index = System.IO.Path.Combine(folder, "index.html");
        app.MapGet("/", () => Results.Redirect(Path + "/")).ExcludeFromDescription();
        if (!File.Exists(index))
        {
            app.MapGet(Path + "/{**rest}", () => Results.Text(
                    "The console is not built: its build needs Node.js and npm (the host's build runs `npm ci && npm run build` in functions/Console when npm is there). See README.md.",
                    "text/plain", statusCode: StatusCodes.Status503ServiceUnavailable))
                .ExcludeFromDescription();
            return app;
        }

        app.UseWhen(c => c.Request.Path.StartsWithSegments(Path), branch =>
        {
            branch.Use((context, next) =>
            {
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = Policy;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                headers.XFrameOptions = "DENY";
                return next(context);
            });
            branch.UseStaticFiles(new StaticFileOptions { FileProvider = new PhysicalFileProvider(folder), RequestPath = Path });

            // Not a route: a matched endpoint would make the static files middleware step aside for every asset.
            branch.Run(async context =>
            {
                if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
                {
                    context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                    return;
                }

                if (System.IO.Path.HasExtension(context.Request.Path.Value))
                {
                    context.Response.StatusCode = StatusCodes.Status404NotFound; // a missing asset is not the app
                    return;
                }

                context.Response.ContentType = "text/html; charset=utf-8";
                context.Response.Headers.CacheControl = "no-cache";
                await context.Response.SendFileAsync(index, context.RequestAborted);
            });
        });
        return app;
    }
}
