namespace ShadowProxy.Core.Tests; public class PlaceholderTests { [Fact] public void Works() => Assert.True(true); }
