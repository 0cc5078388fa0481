# syntax=docker/dockerfile:1
# The studio as a container: build with the .NET SDK, run on the smaller ASP.NET runtime image as a non-root user.
#   docker build -t workflowstudio .      (or: docker compose up --build, with Redis; see docker-compose.yml)

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first, from the project files only, so source edits do not invalidate the package layer.
COPY Directory.Build.props Directory.Packages.props ./
COPY src/WorkflowEngine/WorkflowEngine.csproj src/WorkflowEngine/
COPY src/WorkflowStudio/WorkflowStudio.csproj src/WorkflowStudio/
RUN dotnet restore src/WorkflowStudio/WorkflowStudio.csproj -r linux-x64
COPY src/ src/
RUN dotnet publish src/WorkflowStudio/WorkflowStudio.csproj -c Release -r linux-x64 --self-contained false --no-restore -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# curl only for the health check. /data holds the SQLite file, owned by the app user so it can write there and so a
# volume mounted there starts out owned by it.
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /data \
    && chown "$APP_UID" /data
WORKDIR /app
COPY --from=build /app ./
# The image's built-in unprivileged "app" user.
USER $APP_UID
ENV ASPNETCORE_URLS=http://+:8080 \
    ASPNETCORE_ENVIRONMENT=Production \
    ConnectionStrings__Studio="Data Source=/data/studio.db"
EXPOSE 8080
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
    CMD curl -fsS -o /dev/null http://localhost:8080/ || exit 1
ENTRYPOINT ["dotnet", "WorkflowStudio.dll"]
