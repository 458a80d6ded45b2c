namespace ShadowProxy.Core.Configuration;

/// <summary>
/// The key must be present; an absent one is reported as "is required: <see cref="Hint"/>". Read with the
/// options records by the host's configuration binder (docs/configuration.md#validation-and-exit-codes).
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RequiredKeyAttribute(string hint) : Attribute
{
    public string Hint { get; } = hint;
}

/// <summary>Not a key: the value is the name of the record's own section (a migration's name is its key under <c>Migrations</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SectionNameAttribute : Attribute;

/// <summary>The value may carry a secret (a webhook URL's token, a password in an address): errors name the key, never the value.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SecretValueAttribute : Attribute;
