var builder = WebApplication.CreateBuilder(args);

builder.Services.AddWorkflowEngine();
builder.Services.AddStudioPersistence(builder.StudioConnectionString());
builder.Services.AddWorkflowStudio();
builder.Services.AddWorkflowApi();

var app = builder.Build();

app.MapWorkflowStudio();
app.MapWorkflowApi();

app.Run();
