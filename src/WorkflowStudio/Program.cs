using WorkflowEngine.Persistence;

var builder = WebApplication.CreateBuilder(args);

var database = builder.StudioConnectionString();
builder.Services.AddWorkflowEngine();
builder.Services.AddStudioPersistence(database);
builder.Services.AddWorkflowStudio(StudioDatabase.DataFolder(database), builder.Configuration);
builder.Services.AddStudioAccounts(database, builder.Configuration);
builder.Services.AddWorkflowApi();

var app = builder.Build();

app.MapWorkflowStudio();
app.MapWorkflowApi();

app.Run();
