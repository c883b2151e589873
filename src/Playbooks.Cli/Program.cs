using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using Playbooks.Cli;

var parse = Cli.Build().Parse(args);

// Usage errors the parser finds (an unknown command or option, a missing argument or required option, a value
// that does not parse) exit 2 as the README documents, with the parser's messages and a pointer to the help;
// System.CommandLine's own error action would exit 1. --help wins over errors, as it does by default.
if (parse.Errors.Count > 0 && parse.Action is not HelpAction)
{
    // An unknown command already says what is wrong; "no command given" beside it would mislead.
    var unknown = parse.Errors.Any(e => e.Message.StartsWith("Unrecognized command or argument", StringComparison.Ordinal));
    foreach (var error in parse.Errors.Where(e => !(unknown && e.Message == "Required command was not provided.")))
    {
        Console.Error.WriteLine(error.Message
            .Replace("as expected type 'System.Int32'", "as a whole number", StringComparison.Ordinal)
            .Replace("as expected type 'System.Int64'", "as a whole number", StringComparison.Ordinal)
            .Replace("as expected type 'System.Double'", "as a number", StringComparison.Ordinal));
    }
    var path = new List<string>();
    for (SymbolResult? result = parse.CommandResult; result is not null; result = result.Parent)
    {
        if (result is CommandResult { Command: not RootCommand } named)
        {
            path.Insert(0, named.Command.Name);
        }
    }
    if (parse.CommandResult.Command is { Action: null, Subcommands.Count: > 0 } && parse.UnmatchedTokens.Count == 0)
    {
        // A group without its subcommand (playbooks, playbooks admin): what it offers is the useful answer.
        Console.Error.WriteLine();
        Cli.Build().Parse([.. path, "--help"]).Invoke(new InvocationConfiguration { Output = Console.Error });
    }
    else
    {
        Console.Error.WriteLine($"Run '{string.Join(' ', path.Prepend("playbooks"))} --help' for usage.");
    }
    return Cli.UsageError;
}

// Ctrl-C and SIGTERM cancel the command's token, so that a run ends as cancelled and events --follow
// stops cleanly; System.CommandLine leaves signals alone unless given a timeout. The timeout leaves
// room for the API call that ends the run.
return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(10) });
