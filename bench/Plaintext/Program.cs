// The ceiling of this machine: the cheapest endpoint ASP.NET Core can serve, measured with the
// same load generator, connections and duration as the API's scenarios.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();
app.MapGet("/plaintext", () => Results.Text("Hello, World!"));
app.Run();
