using Playbooks.Cli;

return await Cli.Build().Parse(args).InvokeAsync();
