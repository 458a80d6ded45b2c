namespace ShadowProxy.Tests; public class PlaceholderTests { [Fact] public void Works() => Assert.True(true); }
