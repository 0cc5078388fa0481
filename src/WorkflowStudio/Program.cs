var builder = WebApplication.CreateBuilder(args);

builder.Services.AddWorkflowEngine();
builder.Services.AddStudioPersistence(builder.StudioConnectionString());
builder.Services.AddWorkflowStudio();

var app = builder.Build();

app.MapWorkflowStudio();

app.Run();
