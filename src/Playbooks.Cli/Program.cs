using System.CommandLine;
using Playbooks.Cli;

// Ctrl-C and SIGTERM cancel the command's token, so that a run ends as cancelled and events --follow
// stops cleanly; System.CommandLine leaves signals alone unless given a timeout. The timeout leaves
// room for the API call that ends the run.
return await Cli.Build().Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(10) });
