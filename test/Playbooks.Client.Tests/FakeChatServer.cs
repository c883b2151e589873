using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Playbooks.Client.Tests;

/// <summary>
/// An OpenAI-compatible chat completions endpoint on a loopback port that answers from a script
/// (tool calls, text, a hang, an error) and keeps every request it got, to see what the buddy was told.
/// </summary>
public sealed class FakeChatServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly Queue<Func<HttpContext, Task>> script = new();
    private int calls;

    private FakeChatServer(WebApplication app) => this.app = app;

    public List<JsonObject> Requests { get; } = [];

    /// <summary>Set when a <see cref="Hang"/> step starts waiting.</summary>
    public TaskCompletionSource Hanging { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Uri Endpoint { get; private set; } = null!;

    public static async Task<FakeChatServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new FakeChatServer(app);
        app.MapPost("/v1/chat/completions", server.AnswerAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Endpoint = new Uri($"{address}/v1/");
        return server;
    }

    public FakeChatServer ToolCall(string name, object arguments) => Then(context => Write(context, new JsonObject
    {
        ["role"] = "assistant",
        ["content"] = null,
        ["tool_calls"] = new JsonArray(new JsonObject
        {
            ["id"] = $"call_{++calls}",
            ["type"] = "function",
            ["function"] = new JsonObject { ["name"] = name, ["arguments"] = JsonSerializer.Serialize(arguments) },
        }),
    }, "tool_calls"));

    public FakeChatServer Text(string content) =>
        Then(context => Write(context, new JsonObject { ["role"] = "assistant", ["content"] = content }, "stop"));

    /// <summary>Never answers: waits until the client gives up on the request.</summary>
    public FakeChatServer Hang() => Then(async context =>
    {
        Hanging.TrySetResult();
        await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
    });

    public FakeChatServer Error(int status) => Then(async context =>
    {
        context.Response.StatusCode = status;
        await context.Response.WriteAsJsonAsync(new { error = new { message = "scripted failure", type = "invalid_request_error" } });
    });

    private FakeChatServer Then(Func<HttpContext, Task> step)
    {
        script.Enqueue(step);
        return this;
    }

    private async Task AnswerAsync(HttpContext context)
    {
        var request = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
        Func<HttpContext, Task> step;
        lock (Requests)
        {
            Requests.Add(request);
            step = script.Count > 0 ? script.Dequeue() : (c => Write(c, new JsonObject { ["role"] = "assistant", ["content"] = "Nothing more to say." }, "stop"));
        }
        await step(context);
    }

    private static Task Write(HttpContext context, JsonObject message, string finishReason) =>
        context.Response.WriteAsync(new JsonObject
        {
            ["id"] = "chatcmpl-fake",
            ["object"] = "chat.completion",
            ["created"] = 1_764_000_000,
            ["model"] = "fake-model",
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["message"] = message, ["finish_reason"] = finishReason }),
            ["usage"] = new JsonObject { ["prompt_tokens"] = 1, ["completion_tokens"] = 1, ["total_tokens"] = 2 },
        }.ToJsonString());

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}
