// SPDX-License-Identifier: MIT
#include "gap/gapreport.h"

#include "event/event.h"

#include <QXmlStreamWriter>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

namespace dualscope::gap {

namespace {

using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;
using Value = rapidjson::Value;

// Text from the wire may be any bytes (a Redis channel is binary-safe); the report
// must stay valid UTF-8 JSON, so invalid sequences become U+FFFD.
QByteArray utf8Safe(const QByteArray &bytes)
{
    return QString::fromUtf8(bytes).toUtf8();
}

void writeString(Writer &w, const QByteArray &bytes)
{
    const QByteArray safe = utf8Safe(bytes);
    w.String(safe.constData(), rapidjson::SizeType(safe.size()));
}

void writeString(Writer &w, const QString &text)
{
    const QByteArray utf8 = text.toUtf8();
    w.String(utf8.constData(), rapidjson::SizeType(utf8.size()));
}

void writeStringOrNull(Writer &w, const QByteArray &bytes)
{
    if (bytes.isEmpty())
        w.Null();
    else
        writeString(w, bytes);
}

void writeTimeOrNull(Writer &w, qint64 ms)
{
    if (ms < 0)
        w.Null();
    else
        writeString(w, event::formatTimestamp(ms));
}

void writeIntOrNull(Writer &w, qint64 value)
{
    if (value < 0)
        w.Null();
    else
        w.Int64(value);
}

// Three decimals: the histogram's microseconds, as milliseconds.
double millis(qint64 micros)
{
    return double(micros) / 1000.0;
}

// ---- reading ----

// Where a malformed report is wrong, e.g. "gaps[3].kind".
struct ReadError
{
    QString message;
};

const Value &member(const Value &object, const char *name, const QString &where)
{
    const auto it = object.FindMember(name);
    if (it == object.MemberEnd())
        throw ReadError{QStringLiteral("%1.%2 is missing").arg(where, QLatin1String(name))};
    return it->value;
}

const Value &objectMember(const Value &object, const char *name, const QString &where)
{
    const Value &value = member(object, name, where);
    if (!value.IsObject())
        throw ReadError{QStringLiteral("%1.%2 is not an object").arg(where, QLatin1String(name))};
    return value;
}

const Value &arrayMember(const Value &object, const char *name, const QString &where)
{
    const Value &value = member(object, name, where);
    if (!value.IsArray())
        throw ReadError{QStringLiteral("%1.%2 is not an array").arg(where, QLatin1String(name))};
    return value;
}

qint64 intMember(const Value &object, const char *name, const QString &where, bool nullable)
{
    const Value &value = member(object, name, where);
    if (nullable && value.IsNull())
        return -1;
    if (!value.IsInt64())
        throw ReadError{QStringLiteral("%1.%2 is not an integer").arg(where, QLatin1String(name))};
    return value.GetInt64();
}

double numberMember(const Value &object, const char *name, const QString &where)
{
    const Value &value = member(object, name, where);
    if (!value.IsNumber())
        throw ReadError{QStringLiteral("%1.%2 is not a number").arg(where, QLatin1String(name))};
    return value.GetDouble();
}

QByteArray bytesMember(const Value &object, const char *name, const QString &where, bool nullable)
{
    const Value &value = member(object, name, where);
    if (nullable && value.IsNull())
        return {};
    if (!value.IsString())
        throw ReadError{QStringLiteral("%1.%2 is not a string").arg(where, QLatin1String(name))};
    return QByteArray(value.GetString(), qsizetype(value.GetStringLength()));
}

qint64 timeMember(const Value &object, const char *name, const QString &where, bool nullable)
{
    const QByteArray text = bytesMember(object, name, where, nullable);
    if (text.isEmpty() && nullable)
        return -1;
    qint64 ms = 0;
    if (!event::parseTimestamp(text, &ms))
        throw ReadError{QStringLiteral("%1.%2 '%3' is not an ISO 8601 timestamp")
                            .arg(where, QLatin1String(name), QString::fromUtf8(text))};
    return ms;
}

// An integer member that earlier versions did not write: 0 when absent.
qint64 optionalIntMember(const Value &object, const char *name, const QString &where)
{
    const auto it = object.FindMember(name);
    if (it == object.MemberEnd())
        return 0;
    if (!it->value.IsInt64())
        throw ReadError{QStringLiteral("%1.%2 is not an integer").arg(where, QLatin1String(name))};
    return it->value.GetInt64();
}

LatencySummary latencyMember(const Value &root, const char *name, const QString &top)
{
    const Value &latency = objectMember(root, name, top);
    const QString where = QLatin1String(name);
    return {numberMember(latency, "p50", where), numberMember(latency, "p90", where),
            numberMember(latency, "p99", where), numberMember(latency, "max", where)};
}

ParsedReport readReport(const Value &root)
{
    ParsedReport report;
    const QString top = QStringLiteral("report");

    const Value &counts = objectMember(root, "counts", top);
    const QString countsWhere = QStringLiteral("counts");
    for (const GapKind kind : kAllGapKinds)
        report.counts.of(kind) = isInformational(kind)
                                     ? optionalIntMember(counts, kindName(kind), countsWhere)
                                     : intMember(counts, kindName(kind), countsWhere, false);
    report.counts.kafkaRecords = intMember(counts, "kafka_records", countsWhere, false);
    report.counts.redisNotifications = intMember(counts, "redis_notifications", countsWhere, false);
    report.counts.revised = optionalIntMember(counts, "revised", countsWhere);
    report.counts.outsideWindowRecords =
        optionalIntMember(counts, "outside_window_records", countsWhere);
    report.counts.outsideWindowNotifications =
        optionalIntMember(counts, "outside_window_notifications", countsWhere);
    report.counts.unjudgedNotifications =
        optionalIntMember(counts, "unjudged_notifications", countsWhere);
    report.counts.kafkaEvents = report.counts.matched + report.counts.missing +
                                report.counts.wrongChannel + report.counts.unobserved;

    report.latencyMs = latencyMember(root, "latency_ms", top);
    if (const auto histogram = root.FindMember("latency_histogram");
        histogram != root.MemberEnd()) {
        const QString where = QStringLiteral("latency_histogram");
        if (!histogram->value.IsObject())
            throw ReadError{where + QStringLiteral(" is not an object")};
        const QByteArray scheme = bytesMember(histogram->value, "scheme", where, false);
        if (scheme != metrics::LatencyHistogram::scheme())
            throw ReadError{QStringLiteral("latency_histogram.scheme '%1' is not %2")
                                .arg(QString::fromUtf8(scheme),
                                     QLatin1String(metrics::LatencyHistogram::scheme()))};
        const Value &buckets = arrayMember(histogram->value, "buckets", where);
        QList<std::pair<int, qint64>> pairs;
        for (rapidjson::SizeType i = 0; i < buckets.Size(); ++i) {
            const Value &pair = buckets[i];
            if (!pair.IsArray() || pair.Size() != 2 || !pair[0].IsInt() || !pair[1].IsInt64())
                throw ReadError{QStringLiteral("latency_histogram.buckets[%1] is not [index, "
                                               "count]")
                                    .arg(i)};
            pairs.append({pair[0].GetInt(), pair[1].GetInt64()});
        }
        report.latency = metrics::LatencyHistogram::fromBuckets(
            pairs, intMember(histogram->value, "min", where, false),
            intMember(histogram->value, "max", where, false),
            intMember(histogram->value, "sum", where, false));
        if (!report.latency)
            throw ReadError{QStringLiteral("latency_histogram does not add up (an index out of "
                                           "range, a negative count, or min/max outside them)")};
    }
    if (const auto settings = root.FindMember("settings"); settings != root.MemberEnd()) {
        const QString where = QStringLiteral("settings");
        if (!settings->value.IsObject())
            throw ReadError{where + QStringLiteral(" is not an object")};
        ReportSettings &s = report.window.settings;
        s.graceMs = intMember(settings->value, "grace_ms", where, false);
        s.lateMs = intMember(settings->value, "late_ms", where, false);
        s.maxNotificationBytes = intMember(settings->value, "max_notification_bytes", where, false);
        s.channelTemplate =
            QString::fromUtf8(bytesMember(settings->value, "channel_template", where, false));
        s.group = QString::fromUtf8(bytesMember(settings->value, "group", where, true));
        s.instance = QString::fromUtf8(bytesMember(settings->value, "instance", where, true));
    }
    if (root.HasMember("checker_lag_ms"))
        report.window.checkerLagMs = latencyMember(root, "checker_lag_ms", top);
    if (root.HasMember("kafka_tail_lag_ms"))
        report.window.kafkaTailLagMs = latencyMember(root, "kafka_tail_lag_ms", top);

    const Value &window = objectMember(root, "window", top);
    const QString windowWhere = QStringLiteral("window");
    report.window.startMs = timeMember(window, "start", windowWhere, false);
    report.window.endMs = timeMember(window, "end", windowWhere, false);
    report.window.topic = bytesMember(window, "topic", windowWhere, false);
    const Value &partitions = arrayMember(window, "partitions", windowWhere);
    for (rapidjson::SizeType i = 0; i < partitions.Size(); ++i) {
        const QString where = QStringLiteral("window.partitions[%1]").arg(i);
        if (!partitions[i].IsObject())
            throw ReadError{where + QStringLiteral(" is not an object")};
        report.window.partitions.append(
            {qint32(intMember(partitions[i], "partition", where, false)),
             intMember(partitions[i], "first_offset", where, true),
             intMember(partitions[i], "last_offset", where, true)});
    }
    const Value &patterns = arrayMember(window, "patterns", windowWhere);
    for (rapidjson::SizeType i = 0; i < patterns.Size(); ++i) {
        if (!patterns[i].IsString())
            throw ReadError{QStringLiteral("window.patterns[%1] is not a string").arg(i)};
        report.window.patterns.append(
            QByteArray(patterns[i].GetString(), qsizetype(patterns[i].GetStringLength())));
    }
    const Value &outages = arrayMember(window, "redis_outages", windowWhere);
    for (rapidjson::SizeType i = 0; i < outages.Size(); ++i) {
        const QString where = QStringLiteral("window.redis_outages[%1]").arg(i);
        if (!outages[i].IsObject())
            throw ReadError{where + QStringLiteral(" is not an object")};
        report.window.outages.append(
            {timeMember(outages[i], "start", where, false),
             timeMember(outages[i], "end", where, true),
             QString::fromUtf8(bytesMember(outages[i], "cause", where, false))});
    }
    if (const auto skipped = window.FindMember("kafka_skipped"); skipped != window.MemberEnd()) {
        if (!skipped->value.IsArray())
            throw ReadError{QStringLiteral("window.kafka_skipped is not an array")};
        for (rapidjson::SizeType i = 0; i < skipped->value.Size(); ++i) {
            const QString where = QStringLiteral("window.kafka_skipped[%1]").arg(i);
            const Value &range = skipped->value[i];
            if (!range.IsObject())
                throw ReadError{where + QStringLiteral(" is not an object")};
            report.window.kafkaSkipped.append({qint32(intMember(range, "partition", where, false)),
                                               intMember(range, "first_offset", where, false),
                                               intMember(range, "last_offset", where, false)});
        }
    }
    // Optional: reports of runs that never hit the memory cap may omit it.
    if (const auto dropped = window.FindMember("dropped_notifications");
        dropped != window.MemberEnd()) {
        if (!dropped->value.IsInt64())
            throw ReadError{QStringLiteral("window.dropped_notifications is not an integer")};
        report.counts.droppedNotifications = dropped->value.GetInt64();
    }
    report.counts.forgottenEarly =
        optionalIntMember(window, "forgotten_early_ids", QStringLiteral("window"));

    const Value &gaps = arrayMember(root, "gaps", top);
    report.gaps.reserve(qsizetype(gaps.Size()));
    for (rapidjson::SizeType i = 0; i < gaps.Size(); ++i) {
        const QString where = QStringLiteral("gaps[%1]").arg(i);
        const Value &g = gaps[i];
        if (!g.IsObject())
            throw ReadError{where + QStringLiteral(" is not an object")};
        Gap gap;
        const QByteArray kindText = bytesMember(g, "kind", where, false);
        const std::optional<GapKind> kind = kindFromName(kindText);
        if (!kind || *kind == GapKind::Matched)
            throw ReadError{QStringLiteral("%1.kind '%2' is not a gap kind")
                                .arg(where, QString::fromUtf8(kindText))};
        gap.kind = *kind;
        gap.id = bytesMember(g, "id", where, true);
        gap.partition = qint32(intMember(g, "partition", where, true));
        gap.offset = intMember(g, "offset", where, true);
        gap.channel = bytesMember(g, "channel", where, true);
        gap.expectedChannel = bytesMember(g, "expected_channel", where, true);
        gap.kafkaTsMs = timeMember(g, "kafka_ts", where, true);
        gap.redisTsMs = timeMember(g, "redis_ts", where, true);
        gap.detail = QString::fromUtf8(bytesMember(g, "detail", where, true));
        if (const auto revises = g.FindMember("revises");
            revises != g.MemberEnd() && !revises->value.IsNull()) {
            const std::optional<GapKind> was =
                revises->value.IsString()
                    ? kindFromName(QByteArrayView(revises->value.GetString(),
                                                  qsizetype(revises->value.GetStringLength())))
                    : std::nullopt;
            if (!was)
                throw ReadError{where + QStringLiteral(".revises is not a gap kind")};
            gap.revises = was;
        }
        report.gaps.append(std::move(gap));
    }
    return report;
}

// XML 1.0 allows tab, newline, carriage return and everything from U+0020 except
// U+FFFE/U+FFFF; QXmlStreamWriter in Qt 6.4 writes other control characters as
// they are, which makes the file unreadable. They become a visible "\u0001".
QString xmlSafe(const QString &text)
{
    QString out;
    out.reserve(text.size());
    for (const QChar c : text) {
        const char16_t u = c.unicode();
        const bool allowed =
            u == 0x9 || u == 0xA || u == 0xD || (u >= 0x20 && u != 0xFFFE && u != 0xFFFF);
        if (allowed)
            out.append(c);
        else
            out.append(QStringLiteral("\\u%1").arg(uint(u), 4, 16, QLatin1Char('0')));
    }
    return out;
}

QString xmlSafe(const QByteArray &bytes)
{
    return xmlSafe(QString::fromUtf8(bytes));
}

} // namespace

LatencySummary LatencySummary::of(const metrics::LatencyHistogram &histogram)
{
    return {millis(histogram.percentile(50)), millis(histogram.percentile(90)),
            millis(histogram.percentile(99)), millis(histogram.max())};
}

QByteArray writeJsonReport(const GapCounts &counts, const metrics::LatencyHistogram &latency,
                           const ReportWindow &window, const QList<Gap> &gaps)
{
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    w.SetIndent(' ', 2);
    w.StartObject();
    w.Key("format");
    w.String(kReportFormat);

    w.Key("counts");
    w.StartObject();
    for (const GapKind kind : kAllGapKinds) {
        w.Key(kindName(kind));
        w.Int64(counts.of(kind));
    }
    w.Key("kafka_records");
    w.Int64(counts.kafkaRecords);
    w.Key("redis_notifications");
    w.Int64(counts.redisNotifications);
    w.Key("revised");
    w.Int64(counts.revised);
    w.Key("outside_window_records");
    w.Int64(counts.outsideWindowRecords);
    w.Key("outside_window_notifications");
    w.Int64(counts.outsideWindowNotifications);
    w.Key("unjudged_notifications");
    w.Int64(counts.unjudgedNotifications);
    w.EndObject();

    const auto writeLatency = [&w](const char *name, const LatencySummary &summary) {
        w.Key(name);
        w.StartObject();
        w.Key("p50");
        w.Double(summary.p50);
        w.Key("p90");
        w.Double(summary.p90);
        w.Key("p99");
        w.Double(summary.p99);
        w.Key("max");
        w.Double(summary.max);
        w.EndObject();
    };
    writeLatency("latency_ms", LatencySummary::of(latency));
    w.Key("latency_histogram");
    w.StartObject();
    w.Key("scheme");
    w.String(metrics::LatencyHistogram::scheme());
    w.Key("min");
    w.Int64(latency.min());
    w.Key("max");
    w.Int64(latency.max());
    w.Key("sum");
    w.Int64(latency.sum());
    w.Key("buckets");
    w.StartArray();
    for (const auto &[index, count] : latency.buckets()) {
        w.StartArray();
        w.Int(index);
        w.Int64(count);
        w.EndArray();
    }
    w.EndArray();
    w.EndObject();
    w.Key("settings");
    w.StartObject();
    w.Key("grace_ms");
    w.Int64(window.settings.graceMs);
    w.Key("late_ms");
    w.Int64(window.settings.lateMs);
    w.Key("max_notification_bytes");
    w.Int64(window.settings.maxNotificationBytes);
    w.Key("channel_template");
    writeString(w, window.settings.channelTemplate);
    w.Key("group");
    writeStringOrNull(w, window.settings.group.toUtf8());
    w.Key("instance");
    writeStringOrNull(w, window.settings.instance.toUtf8());
    w.EndObject();
    writeLatency("checker_lag_ms", window.checkerLagMs);
    writeLatency("kafka_tail_lag_ms", window.kafkaTailLagMs);

    w.Key("window");
    w.StartObject();
    w.Key("start");
    writeString(w, event::formatTimestamp(window.startMs));
    w.Key("end");
    writeString(w, event::formatTimestamp(window.endMs));
    w.Key("topic");
    writeString(w, window.topic);
    w.Key("partitions");
    w.StartArray();
    for (const PartitionRange &range : window.partitions) {
        w.StartObject();
        w.Key("partition");
        w.Int(range.partition);
        w.Key("first_offset");
        writeIntOrNull(w, range.firstOffset);
        w.Key("last_offset");
        writeIntOrNull(w, range.lastOffset);
        w.EndObject();
    }
    w.EndArray();
    w.Key("patterns");
    w.StartArray();
    for (const QByteArray &pattern : window.patterns)
        writeString(w, pattern);
    w.EndArray();
    w.Key("redis_outages");
    w.StartArray();
    for (const RedisOutage &outage : window.outages) {
        w.StartObject();
        w.Key("start");
        writeString(w, event::formatTimestamp(outage.startMs));
        w.Key("end");
        writeTimeOrNull(w, outage.endMs);
        w.Key("cause");
        writeString(w, outage.cause);
        w.EndObject();
    }
    w.EndArray();
    w.Key("dropped_notifications");
    w.Int64(counts.droppedNotifications);
    w.Key("forgotten_early_ids");
    w.Int64(counts.forgottenEarly);
    w.Key("kafka_skipped");
    w.StartArray();
    for (const PartitionRange &range : window.kafkaSkipped) {
        w.StartObject();
        w.Key("partition");
        w.Int(range.partition);
        w.Key("first_offset");
        w.Int64(range.firstOffset);
        w.Key("last_offset");
        w.Int64(range.lastOffset);
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();

    w.Key("gaps");
    w.StartArray();
    for (const Gap &gap : gaps) {
        w.StartObject();
        w.Key("kind");
        w.String(kindName(gap.kind));
        w.Key("id");
        writeStringOrNull(w, gap.id);
        w.Key("partition");
        writeIntOrNull(w, gap.partition);
        w.Key("offset");
        writeIntOrNull(w, gap.offset);
        w.Key("channel");
        writeStringOrNull(w, gap.channel);
        w.Key("expected_channel");
        writeStringOrNull(w, gap.expectedChannel);
        w.Key("kafka_ts");
        writeTimeOrNull(w, gap.kafkaTsMs);
        w.Key("redis_ts");
        writeTimeOrNull(w, gap.redisTsMs);
        w.Key("detail");
        writeString(w, gap.detail);
        w.Key("revises");
        if (gap.revises)
            w.String(kindName(*gap.revises));
        else
            w.Null();
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    QByteArray out(buffer.GetString(), qsizetype(buffer.GetSize()));
    out.append('\n');
    return out;
}

std::optional<ParsedReport> readJsonReport(const QByteArray &json, QString *error)
{
    auto refuse = [&](const QString &why) -> std::optional<ParsedReport> {
        if (error)
            *error = why;
        return std::nullopt;
    };
    const QString notOurs = QStringLiteral("not a Dualscope check report: ");
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseValidateEncodingFlag>(json.constData(), size_t(json.size()));
    if (doc.HasParseError())
        return refuse(notOurs +
                      QStringLiteral("not valid JSON at byte %1: %2")
                          .arg(doc.GetErrorOffset())
                          .arg(QLatin1String(rapidjson::GetParseError_En(doc.GetParseError()))));
    if (!doc.IsObject())
        return refuse(notOurs + QStringLiteral("the top level is not a JSON object"));
    const auto format = doc.FindMember("format");
    if (format == doc.MemberEnd() || !format->value.IsString())
        return refuse(notOurs + QStringLiteral("it has no \"format\" member"));
    const QByteArray formatText(format->value.GetString(),
                                qsizetype(format->value.GetStringLength()));
    if (formatText != kReportFormat) {
        if (formatText.startsWith("dualscope-check-report/"))
            return refuse(QStringLiteral("unsupported Dualscope check report format '%1' (this "
                                         "version reads %2)")
                              .arg(QString::fromUtf8(formatText), QLatin1String(kReportFormat)));
        return refuse(notOurs +
                      QStringLiteral("its format is '%1', not '%2'")
                          .arg(QString::fromUtf8(formatText), QLatin1String(kReportFormat)));
    }
    try {
        return readReport(doc);
    } catch (const ReadError &e) {
        return refuse(QStringLiteral("malformed Dualscope check report: ") + e.message);
    }
}

QByteArray writeJUnitReport(const GapCounts &counts, const QList<Gap> &gaps,
                            const QString &suiteName)
{
    QByteArray out;
    QXmlStreamWriter xml(&out);
    xml.setAutoFormatting(true);
    xml.writeStartDocument();

    qint64 failures = 0;
    for (const GapKind kind : kAllGapKinds) {
        if (kind != GapKind::Matched && !isInformational(kind) && counts.of(kind) > 0)
            ++failures;
    }
    const QString tests = QString::number(std::size(kAllGapKinds));
    xml.writeStartElement(QStringLiteral("testsuites"));
    xml.writeAttribute(QStringLiteral("name"), xmlSafe(suiteName));
    xml.writeAttribute(QStringLiteral("tests"), tests);
    xml.writeAttribute(QStringLiteral("failures"), QString::number(failures));
    xml.writeStartElement(QStringLiteral("testsuite"));
    xml.writeAttribute(QStringLiteral("name"), xmlSafe(suiteName));
    xml.writeAttribute(QStringLiteral("tests"), tests);
    xml.writeAttribute(QStringLiteral("failures"), QString::number(failures));
    xml.writeAttribute(QStringLiteral("errors"), QStringLiteral("0"));
    xml.writeAttribute(QStringLiteral("skipped"), QStringLiteral("0"));

    for (const GapKind kind : kAllGapKinds) {
        const QString name = QLatin1String(kindName(kind));
        const qint64 count = counts.of(kind);
        xml.writeStartElement(QStringLiteral("testcase"));
        xml.writeAttribute(QStringLiteral("classname"), QStringLiteral("dualscope.check"));
        xml.writeAttribute(QStringLiteral("name"), name);
        if (kind == GapKind::Matched) {
            xml.writeTextElement(QStringLiteral("system-out"),
                                 QStringLiteral("%1 Kafka events matched (of %2 records, %3 "
                                                "notifications)")
                                     .arg(count)
                                     .arg(counts.kafkaRecords)
                                     .arg(counts.redisNotifications));
        } else if (count > 0) {
            QString body;
            const bool informational = isInformational(kind);
            int examples = 0;
            for (const Gap &gap : gaps) {
                if (gap.kind != kind)
                    continue;
                if (examples == kJUnitExampleIds) {
                    body += QStringLiteral("...\n");
                    break;
                }
                ++examples;
                body += gap.id.isEmpty() ? QStringLiteral("(no id)") : xmlSafe(gap.id);
                if (!gap.detail.isEmpty())
                    body += QStringLiteral(": ") + xmlSafe(gap.detail);
                body += QLatin1Char('\n');
            }
            if (informational) {
                // Order is lost, delivery is not: said, not failed.
                xml.writeTextElement(QStringLiteral("system-out"),
                                     QStringLiteral("%1 %2 (informational: per-source order is "
                                                    "lost)\n")
                                             .arg(count)
                                             .arg(name) +
                                         body);
            } else {
                xml.writeStartElement(QStringLiteral("failure"));
                xml.writeAttribute(QStringLiteral("type"), name);
                xml.writeAttribute(QStringLiteral("message"),
                                   QStringLiteral("%1 %2").arg(count).arg(name));
                xml.writeCharacters(body);
                xml.writeEndElement();
            }
        }
        xml.writeEndElement(); // testcase
    }
    xml.writeEndElement(); // testsuite
    xml.writeEndElement(); // testsuites
    xml.writeEndDocument();
    return out;
}

} // namespace dualscope::gap
