using WorkflowTesting;

namespace WorkflowEngine.Tests.Caching;

[Collection(RedisServer.Collection)]
public sealed class RedisServerTests(RedisServer redis)
{
    [Fact]
    public async Task StopStart_SamePort_ServerAnswersAgain()
    {
        // Arrange
        await redis.CommandAsync("SET", "rs:probe", "1");

        // Act
        redis.Stop();
        var whileStopped = await Record.ExceptionAsync(() => redis.CommandAsync("PING"));
        redis.Start();
        var afterRestart = await redis.CommandAsync("PING");

        // Assert
        Assert.NotNull(whileStopped);
        Assert.Equal("PONG", afterRestart);
        Assert.Null(await redis.CommandAsync("GET", "rs:probe")); // persistence is off
    }

    [Fact]
    public void Start_MissingExecutable_ThrowsClearMessage()
    {
        // Arrange
        using var server = RedisServer.WithExecutable("/nonexistent/redis-server");

        // Act
        var error = Assert.Throws<InvalidOperationException>(server.Start);

        // Assert
        Assert.Contains("redis-server was not found", error.Message);
    }
}
