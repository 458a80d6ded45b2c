using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace ShadowProxy.Benchmarks.Diff;

/// <summary>
/// Deterministic legacy/candidate pairs of an orders-list response of about a given size. The candidate formats
/// prices differently (equal values), lists tags in another order, lists keys in another order unless asked not
/// to, and carries a few real differences: a changed status, a changed price, a missing field, an extra field and
/// a new request id.
/// </summary>
internal static class OrderDocuments
{
    private static readonly string[] Statuses = ["pending", "paid", "shipped", "delivered", "cancelled"];
    private static readonly string[] Tags = ["gift", "express", "fragile", "bulk", "promo", "b2b"];

    public static (byte[] Legacy, byte[] Candidate) Create(int approximateBytes, bool reorderKeys = true)
    {
        var orderCount = 1;
        while (true)
        {
            var legacy = Write(orderCount, candidate: false, reorderKeys: false);
            if (legacy.Length >= approximateBytes)
            {
                return (legacy, Write(orderCount, candidate: true, reorderKeys));
            }

            orderCount++;
        }
    }

    private static byte[] Write(int orderCount, bool candidate, bool reorderKeys)
    {
        var random = new Random(42);
        var output = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(output))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("meta");
            writer.WriteString("requestId", candidate ? "c-8f14e45f" : "l-45c48cce");
            writer.WriteNumber("page", 1);
            writer.WriteEndObject();
            writer.WriteStartArray("orders");
            for (var i = 0; i < orderCount; i++)
            {
                WriteOrder(writer, random, i, candidate, reorderKeys);
            }

            writer.WriteEndArray();
            writer.WriteNumber("count", orderCount);
            writer.WriteEndObject();
        }

        return output.WrittenSpan.ToArray();
    }

    private static void WriteOrder(Utf8JsonWriter writer, Random random, int index, bool candidate, bool reorderKeys)
    {
        var id = 100_000 + index;
        var status = Statuses[random.Next(Statuses.Length)];
        var customerId = random.Next(1, 9999);
        var itemCount = random.Next(1, 4);
        var items = Enumerable.Range(0, itemCount)
            .Select(i => (Sku: $"SKU-{random.Next(1000, 9999)}", Quantity: random.Next(1, 5), Price: random.Next(100, 99_999) / 100m))
            .ToArray();
        var tags = Tags.OrderBy(_ => random.Next()).Take(random.Next(0, 3)).ToArray();
        var total = items.Sum(item => item.Quantity * item.Price);

        // A few real differences, always at the same orders so that every size has them.
        if (candidate && index == 1)
        {
            status = "refunded";
        }

        (string Name, Action Write)[] fields =
        [
            ("id", () => writer.WriteNumber("id", id)),
            ("status", () => writer.WriteString("status", status)),
            ("customer", () =>
            {
                writer.WriteStartObject("customer");
                writer.WriteNumber("id", customerId);
                writer.WriteString("name", $"Customer {customerId}");
                if (!(candidate && index == 2))
                {
                    writer.WriteString("email", $"customer{customerId}@example.com");
                }

                writer.WriteEndObject();
            }),
            ("items", () =>
            {
                writer.WriteStartArray("items");
                for (var i = 0; i < items.Length; i++)
                {
                    var price = candidate && index == 3 && i == 0 ? items[i].Price + 1 : items[i].Price;
                    writer.WriteStartObject();
                    if (candidate && reorderKeys)
                    {
                        writer.WritePropertyName("price");
                        writer.WriteRawValue(price.ToString("0.000", CultureInfo.InvariantCulture));
                        writer.WriteNumber("quantity", items[i].Quantity);
                        writer.WriteString("sku", items[i].Sku);
                    }
                    else
                    {
                        writer.WriteString("sku", items[i].Sku);
                        writer.WriteNumber("quantity", items[i].Quantity);
                        if (candidate)
                        {
                            writer.WritePropertyName("price");
                            writer.WriteRawValue(price.ToString("0.000", CultureInfo.InvariantCulture));
                        }
                        else
                        {
                            writer.WriteNumber("price", price);
                        }
                    }

                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }),
            ("tags", () =>
            {
                writer.WriteStartArray("tags");
                foreach (var tag in candidate ? tags.Reverse() : tags)
                {
                    writer.WriteStringValue(tag);
                }

                writer.WriteEndArray();
            }),
            ("total", () =>
            {
                writer.WritePropertyName("total");
                writer.WriteRawValue(candidate ? total.ToString("E6", CultureInfo.InvariantCulture) : total.ToString(CultureInfo.InvariantCulture));
            }),
            ("createdAt", () => writer.WriteString("createdAt", new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(id).ToString("O", CultureInfo.InvariantCulture))),
        ];

        writer.WriteStartObject();
        foreach (var (_, write) in candidate && reorderKeys ? fields.Reverse() : fields)
        {
            write();
        }

        if (candidate && index == 4)
        {
            writer.WriteBoolean("giftWrapped", true);
        }

        writer.WriteEndObject();
    }
}
