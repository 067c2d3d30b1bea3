namespace JourneyOrchestrator.Storage.AzureStorage.Tests;

/// <summary>The tests that share one Azurite (<see cref="AzuriteFixture"/>, in tests/TestKit).</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
