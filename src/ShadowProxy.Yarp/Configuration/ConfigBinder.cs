using System.Collections;
using System.Globalization;
using System.Reflection;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Text;

namespace ShadowProxy.Configuration;

/// <summary>
/// Binds a configuration section to an options record. The records are the one declaration of every key: a
/// public init property is a key of the same name, its initializer is the default, and
/// <see cref="RequiredKeyAttribute"/>, <see cref="SectionNameAttribute"/> and <see cref="SecretValueAttribute"/>
/// say the rest, so adding a key is adding a property. Unlike the framework's binder, every value that does not
/// parse, every unknown key and every missing required key becomes a <see cref="ConfigError"/> naming the full
/// key, and a list given replaces its default, never appends to it. What a record cannot say by its type (a
/// value read from a differently shaped section, a value normalized after reading) the reader supplies as
/// <see cref="ConfigBinding"/>s.
/// </summary>
internal sealed class ConfigBinder(List<ConfigError> errors, ConfigBinding bindings)
{
    private static readonly Uri Placeholder = new("http://invalid.invalid/");

    private static readonly Dictionary<Type, ConfigScalar> Scalars = new()
    {
        [typeof(bool)] = ConfigScalar.Of<bool>(bool.TryParse, "true or false"),
        [typeof(int)] = ConfigScalar.Of((string s, out int v) => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out v), "an integer"),
        [typeof(long)] = ConfigScalar.Of((string s, out long v) => long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out v), "an integer"),
        [typeof(double)] = ConfigScalar.Of((string s, out double v) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out v) && double.IsFinite(v), "a number"),
        // Exact: a value a decimal would round (1e-30) is refused, not silently changed into another setting.
        [typeof(decimal)] = ConfigScalar.Of<decimal>(ExactDecimal.TryParse, "a number (exactly representable, e.g. 12.5)"),
        [typeof(TimeSpan)] = ConfigScalar.Of((string s, out TimeSpan v) => TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out v), "a duration (hh:mm:ss or d.hh:mm:ss)"),
    };

    public T Bind<T>(ConfigNode node)
        where T : class => (T)Record(typeof(T), node);

    private object Record(Type type, ConfigNode node)
    {
        if (bindings.Sections.TryGetValue(type, out var read))
        {
            return read(node, errors);
        }

        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).ToList();
        node.Expect(errors, properties.Where(p => !p.IsDefined(typeof(SectionNameAttribute))).Select(p => p.Name).ToList());
        var options = Activator.CreateInstance(type)!;
        foreach (var property in properties)
        {
            var child = node.Child(property.Name);
            var required = property.GetCustomAttribute<RequiredKeyAttribute>();
            object? value;
            if (property.IsDefined(typeof(SectionNameAttribute)))
            {
                value = node.Name;
            }
            else if (child.Exists)
            {
                value = Read(property, child);
            }
            else if (required is not null)
            {
                errors.Add(new(child.Path, $"is required: {required.Hint}"));
                var mark = errors.Count;
                value = Read(property, child);
                errors.RemoveRange(mark, errors.Count - mark);
            }
            else
            {
                continue;
            }

            // A value that did not parse leaves the default (the error is reported); a required one gets a placeholder.
            if (value is not null || required is not null)
            {
                property.SetValue(options, value ?? PlaceholderOf(property.PropertyType));
            }
        }

        return bindings.Normalize.TryGetValue(type, out var normalize) ? normalize(options, node) : options;
    }

    // A NullabilityInfoContext per read: it caches in a plain Dictionary, and hosts read configuration concurrently (the
    // tests start several in parallel; a library host may build more than one), which corrupted a shared one.
    private object? Read(PropertyInfo property, ConfigNode node) =>
        property.PropertyType == typeof(Uri)
            ? Url(node, property.IsDefined(typeof(SecretValueAttribute)), new NullabilityInfoContext().Create(property).WriteState == NullabilityState.Nullable)
            : Read(property.PropertyType, node);

    private object? Read(Type type, ConfigNode node)
    {
        // A nullable value (TimeSpan?) is its value type when given; absent, it stays null.
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string))
        {
            return node.Value;
        }

        if ((Scalars.GetValueOrDefault(type) ?? bindings.Scalars.GetValueOrDefault(type) ?? (type.IsEnum ? EnumScalar(type) : null)) is { } scalar)
        {
            return Parse(node, scalar);
        }

        if (type == typeof(IReadOnlyDictionary<string, string>))
        {
            return PatternMap(node);
        }

        return type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>)
            ? List(type.GetGenericArguments()[0], node)
            : Record(type, node);
    }

    private IList List(Type element, ConfigNode node)
    {
        var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(element))!;
        IEnumerable<ConfigNode> items;
        if (element.IsClass && element != typeof(string))
        {
            // Records: array elements, or sections keyed by name where the record takes its section's name.
            items = element.GetProperties().Any(p => p.IsDefined(typeof(SectionNameAttribute))) ? node.Children() : node.Items();
        }
        else
        {
            // A single value ("Listen": "http://...") is accepted as a one-element list.
            items = node.Value is null ? node.Items() : node.Value.Length == 0 ? [] : [node.AsItem(0)];
        }

        foreach (var item in items)
        {
            if ((element == typeof(string) ? item.Value ?? string.Empty : Read(element, item)) is { } value)
            {
                list.Add(value);
            }
        }

        return list;
    }

    private Uri? Url(ConfigNode node, bool secret, bool optional)
    {
        var text = node.Value;
        if (optional && string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (Uri.TryCreate(text, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps))
        {
            return url;
        }

        errors.Add(new(node.Path, (secret ? string.Empty : $"'{text}' ") + "is not an absolute http:// or https:// URL"));
        return null;
    }

    /// <summary>
    /// A map keyed by difference path patterns. Configuration splits keys at ':', so <c>"header:ETag"</c> arrives
    /// as section <c>header</c> holding <c>ETag</c>: the pattern is each value's key path below the map, re-joined.
    /// </summary>
    private static Dictionary<string, string> PatternMap(ConfigNode node)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        Collect(node, prefix: null);
        return map;

        void Collect(ConfigNode section, string? prefix)
        {
            foreach (var child in section.Children())
            {
                var key = prefix is null ? child.Name : prefix + ":" + child.Name;
                if (child.Value is { } value)
                {
                    map[key] = value;
                }
                else
                {
                    Collect(child, key);
                }
            }
        }
    }

    private object? Parse(ConfigNode node, ConfigScalar scalar)
    {
        var text = node.Value?.Trim();
        if (text is not null && scalar.Parse(text, out var value))
        {
            return value;
        }

        errors.Add(new(node.Path, text is null ? $"is a section, expected {scalar.Expected}" : $"'{text}' is not {scalar.Expected}"));
        return null;
    }

    private static ConfigScalar EnumScalar(Type type) => new(
        (string s, out object? v) => Enum.TryParse(type, s, ignoreCase: true, out v) && Enum.IsDefined(type, v!) && !s.Any(char.IsAsciiDigit),
        "one of " + string.Join(", ", Enum.GetNames(type)));

    private static object PlaceholderOf(Type type) =>
        type == typeof(string) ? string.Empty : type == typeof(Uri) ? Placeholder : Activator.CreateInstance(type)!;
}

/// <summary>How a value of one type is parsed from its text, and what it is called when it does not parse.</summary>
internal sealed record ConfigScalar(ConfigScalar.TryParser Parse, string Expected)
{
    public delegate bool TryParser(string text, out object? value);

    public delegate bool TryParser<T>(string text, out T value);

    public static ConfigScalar Of<T>(TryParser<T> parse, string expected) =>
        new((string text, out object? value) =>
        {
            var parsed = parse(text, out var typed);
            value = typed;
            return parsed;
        }, expected);
}

/// <summary>What the reader adds to the binder: parsers of its own value types, sections read by hand, and values normalized after binding.</summary>
internal sealed record ConfigBinding(
    IReadOnlyDictionary<Type, ConfigScalar> Scalars,
    IReadOnlyDictionary<Type, Func<ConfigNode, List<ConfigError>, object>> Sections,
    IReadOnlyDictionary<Type, Func<object, ConfigNode, object>> Normalize);
