if (await StudioCommandLine.TryRunCommandAsync(args))
{
    return;
}

var builder = WebApplication.CreateBuilder(args);

var database = builder.StudioDatabase();
builder.Services.AddWorkflowEngine();
builder.Services.AddStudioPersistence(database);
builder.Services.AddWorkflowStudio(builder.Configuration);
builder.Services.AddStudioAccounts(database, builder.Configuration, database.DataFolder(builder.Environment.ContentRootPath));
builder.Services.AddWorkflowApi();

var app = builder.Build();

app.MapWorkflowStudio();
app.MapWorkflowApi();

app.Run();
