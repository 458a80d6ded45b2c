using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ShadowProxy.Core.OpenApi;

/// <summary>
/// What inference knows about the values seen at one position of a body (or one parameter): their JSON types, and
/// per type what it takes to write a schema: string formats and a closed set of values, object properties with how
/// often each was present, array items merged into one schema. Bounded by <see cref="SchemaLimits"/>; not thread-safe
/// (the collector holds its endpoint's lock).
/// </summary>
internal sealed class SchemaNode
{
    private JsonKinds _kinds;
    private int _strings;
    private StringFormat _formats = StringFormat.All;
    private List<string>? _values = [];
    private int _objects;
    private OrderedDictionary<string, SchemaNode>? _properties;
    private SchemaNode? _items;

    [Flags]
    private enum JsonKinds
    {
        None = 0,
        Null = 1,
        Boolean = 2,
        Integer = 4,
        Number = 8,
        String = 16,
        Object = 32,
        Array = 64,
    }

    /// <summary>Values observed at this position (a property: the objects it was present in).</summary>
    public int Count { get; private set; }

    public void Observe(JsonElement value, int depth, NodeBudget budget)
    {
        Count++;
        switch (value.ValueKind)
        {
            case JsonValueKind.Null:
                _kinds |= JsonKinds.Null;
                break;
            case JsonValueKind.True:
            case JsonValueKind.False:
                _kinds |= JsonKinds.Boolean;
                break;
            case JsonValueKind.Number:
                _kinds |= value.TryGetInt64(out _) ? JsonKinds.Integer : JsonKinds.Number;
                break;
            case JsonValueKind.String:
                ObserveString(value.GetString()!, budget.Limits);
                break;
            case JsonValueKind.Object:
                _kinds |= JsonKinds.Object;
                _objects++;
                if (depth < budget.Limits.MaxDepth)
                {
                    ObserveProperties(value, depth, budget);
                }

                break;
            case JsonValueKind.Array:
                _kinds |= JsonKinds.Array;
                if (depth < budget.Limits.MaxDepth)
                {
                    foreach (var item in value.EnumerateArray())
                    {
                        if (_items is null && !budget.TryTake())
                        {
                            break;
                        }

                        _items ??= new SchemaNode();
                        _items.Observe(item, depth + 1, budget);
                    }
                }

                break;
        }
    }

    /// <summary>A parameter's value, typed as a person would: integers, numbers and booleans as such, the rest a string.</summary>
    public void ObserveText(string value, SchemaLimits limits)
    {
        Count++;
        if (value.Length is > 0 and <= 18 && (value[0] != '0' || value.Length == 1)
            && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
        {
            _kinds |= JsonKinds.Integer;
        }
        else if (value is "true" or "false")
        {
            _kinds |= JsonKinds.Boolean;
        }
        else
        {
            ObserveString(value, limits);
        }
    }

    /// <summary>The JSON Schema (2020-12, as OpenAPI 3.1 uses it) of everything observed here.</summary>
    public JsonObject ToSchema(SchemaLimits limits)
    {
        var schema = new JsonObject();
        var types = TypeNames();
        if (types.Count == 1)
        {
            schema["type"] = types[0];
        }
        else if (types.Count > 1)
        {
            schema["type"] = new JsonArray([.. types.Select(t => JsonValue.Create(t))]);
        }

        if (_kinds.HasFlag(JsonKinds.String))
        {
            AddStringKeywords(schema, limits);
        }

        if (_kinds.HasFlag(JsonKinds.Object) && _properties is { Count: > 0 })
        {
            var properties = new JsonObject();
            var required = new JsonArray();
            foreach (var (name, property) in _properties)
            {
                properties[name] = property.ToSchema(limits);
                if (property.Count == _objects)
                {
                    required.Add(name);
                }
            }

            schema["properties"] = properties;
            if (required.Count > 0)
            {
                schema["required"] = required;
            }
        }

        if (_kinds.HasFlag(JsonKinds.Array) && _items is not null)
        {
            schema["items"] = _items.ToSchema(limits);
        }

        return schema;
    }

    private List<string> TypeNames()
    {
        var types = new List<string>(3);
        if (_kinds.HasFlag(JsonKinds.Object))
        {
            types.Add("object");
        }

        if (_kinds.HasFlag(JsonKinds.Array))
        {
            types.Add("array");
        }

        if (_kinds.HasFlag(JsonKinds.String))
        {
            types.Add("string");
        }

        // An integer position that also saw a fraction is a number.
        if (_kinds.HasFlag(JsonKinds.Number))
        {
            types.Add("number");
        }
        else if (_kinds.HasFlag(JsonKinds.Integer))
        {
            types.Add("integer");
        }

        if (_kinds.HasFlag(JsonKinds.Boolean))
        {
            types.Add("boolean");
        }

        if (_kinds.HasFlag(JsonKinds.Null))
        {
            types.Add("null");
        }

        return types;
    }

    private void AddStringKeywords(JsonObject schema, SchemaLimits limits)
    {
        if (StringFormats.Name(_formats) is { } format)
        {
            schema["format"] = format;
            return;
        }

        // The enum rule: a small closed set, seen often enough to believe it is closed; a constant is not an enum.
        if (_values is { Count: >= 2 } values && values.Count <= limits.MaxEnumValues && _strings >= limits.MinEnumObservations)
        {
            var members = new JsonArray([.. values.Order(StringComparer.Ordinal).Select(v => JsonValue.Create(v))]);
            if (_kinds.HasFlag(JsonKinds.Null))
            {
                members.Add(null);
            }

            schema["enum"] = members;
        }
    }

    private void ObserveString(string value, SchemaLimits limits)
    {
        _kinds |= JsonKinds.String;
        _strings++;
        if (_formats != StringFormat.None)
        {
            _formats &= StringFormats.Of(value);
        }

        if (_values is null || _values.Contains(value, StringComparer.Ordinal))
        {
            return;
        }

        _values = _values.Count < limits.MaxEnumValues && value.Length <= limits.MaxEnumValueLength ? [.. _values, value] : null;
    }

    private void ObserveProperties(JsonElement value, int depth, NodeBudget budget)
    {
        foreach (var property in value.EnumerateObject())
        {
            _properties ??= new OrderedDictionary<string, SchemaNode>(StringComparer.Ordinal);
            if (!_properties.TryGetValue(property.Name, out var node))
            {
                if (_properties.Count >= budget.Limits.MaxProperties || !budget.TryTake())
                {
                    continue;
                }

                node = new SchemaNode();
                _properties.Add(property.Name, node);
            }

            node.Observe(property.Value, depth + 1, budget);
        }
    }
}

/// <summary>
/// Counts the nodes of one body schema against <see cref="SchemaLimits.MaxNodesPerSchema"/> and its migration's
/// against <see cref="SchemaLimits.MaxNodesPerMigration"/> (shared by all its schemas, so updated atomically).
/// </summary>
internal sealed class NodeBudget(SchemaLimits limits, StrongBox<int> migrationNodes)
{
    private int _nodes;

    public SchemaLimits Limits { get; } = limits;

    public int Taken => _nodes;

    public bool TryTake()
    {
        if (_nodes >= Limits.MaxNodesPerSchema)
        {
            return false;
        }

        if (Interlocked.Increment(ref migrationNodes.Value) > Limits.MaxNodesPerMigration)
        {
            Interlocked.Decrement(ref migrationNodes.Value);
            return false;
        }

        _nodes++;
        return true;
    }
}
