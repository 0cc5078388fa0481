using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using WorkflowStudio.Api;

namespace WorkflowStudio.Tests.Api;

public sealed class ApiOptionsTests
{
    private static ApiOptions Read(string? adminKey)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Api:AdminKey"] = adminKey }).Build());
        services.AddWorkflowApi();
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<ApiOptions>>().Value;
    }

    [Theory]
    [InlineData("change-me")]
    [InlineData("0123456789012345678901234567890")]
    public void AdminKey_ShorterThan32Characters_IsRefusedWithTheReason(string adminKey)
    {
        // Act
        var refused = Assert.Throws<OptionsValidationException>(() => Read(adminKey));

        // Assert
        Assert.Contains(ApiOptions.AdminKeyTooShort, refused.Failures);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("01234567890123456789012345678901")]
    public void AdminKey_UnsetOrLongEnough_IsAccepted(string? adminKey)
    {
        // Act
        var options = Read(adminKey);

        // Assert
        Assert.Equal(adminKey ?? "", options.AdminKey ?? "");
    }
}
