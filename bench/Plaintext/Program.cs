// The ceiling of this machine: the cheapest endpoint ASP.NET Core can serve, measured with the
// same load generator, connections and duration as the API's scenarios. It doubles as the
// webhook endpoint of bench/events.sh: POST /webhook answers 200 and counts, GET /webhook tells the count.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();
long received = 0;
app.MapGet("/plaintext", () => Results.Text("Hello, World!"));
app.MapPost("/webhook", async (HttpRequest request) =>
{
    await request.Body.CopyToAsync(Stream.Null);
    Interlocked.Increment(ref received);
    return Results.Ok();
});
app.MapGet("/webhook", () => Results.Text(Interlocked.Read(ref received).ToString(System.Globalization.CultureInfo.InvariantCulture)));
app.Run();
