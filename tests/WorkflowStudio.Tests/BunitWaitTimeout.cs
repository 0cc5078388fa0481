using System.Runtime.CompilerServices;
using Bunit;

namespace WorkflowStudio.Tests;

internal static class BunitWaitTimeout
{
    /// <summary>bunit's <c>WaitForAssertion</c>/<c>WaitForElement</c> give up after one second by default. A render that awaits a
    /// real SQLite write (a save, a conflict check, a reload) can take longer than that when the test assembly runs beside the
    /// others on two busy cores, and the test then fails although the page would have got there. The waits end as soon as the
    /// condition holds, so a generous bound costs passing tests nothing. Set once for the assembly: the property is static.</summary>
    [ModuleInitializer]
    internal static void Initialize() => BunitContext.DefaultWaitTimeout = TimeSpan.FromSeconds(30);
}
