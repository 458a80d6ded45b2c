using ShadowProxy.Hosting;

namespace ShadowProxy.Tests.Hosting;

/// <summary>The switch itself is read by the runtime once per process; these check who decides it (tests of one class run one at a time).</summary>
public sealed class SocketCompletionsTests
{
    [Theory]
    [InlineData("0", false)]
    [InlineData("1", true)]
    public void An_operators_own_setting_wins(string chosen, bool inline)
    {
        var before = Environment.GetEnvironmentVariable(SocketCompletions.Variable);
        try
        {
            Environment.SetEnvironmentVariable(SocketCompletions.Variable, chosen);
            Assert.Equal(inline && OperatingSystem.IsLinux(), SocketCompletions.ApplyDefault());
            Assert.Equal(chosen, Environment.GetEnvironmentVariable(SocketCompletions.Variable));
        }
        finally
        {
            Environment.SetEnvironmentVariable(SocketCompletions.Variable, before);
        }
    }

    [Fact]
    public void Unset_it_is_turned_on_on_linux()
    {
        var before = Environment.GetEnvironmentVariable(SocketCompletions.Variable);
        try
        {
            Environment.SetEnvironmentVariable(SocketCompletions.Variable, null);
            Assert.Equal(OperatingSystem.IsLinux(), SocketCompletions.ApplyDefault());
            Assert.Equal(OperatingSystem.IsLinux() ? "1" : null, Environment.GetEnvironmentVariable(SocketCompletions.Variable));
        }
        finally
        {
            Environment.SetEnvironmentVariable(SocketCompletions.Variable, before);
        }
    }
}
