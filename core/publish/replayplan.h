// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>
#include <optional>

namespace dualscope::kafka {
class KafkaBrowser;
} // namespace dualscope::kafka

namespace dualscope::publish {

// Which Kafka records to replay: a range of every (or some) partition of a topic.
struct ReplayRange
{
    enum class Bound { Offset, Timestamp, End };

    QByteArray topic = "events";
    // Empty: every partition of the topic.
    QList<qint32> partitions;
    // Offsets apply to each partition alike. A timestamp is resolved per partition
    // (KafkaBrowser::offsetForTimestamp, which bisects when the broker cannot say).
    // `from` is inclusive; End means the high watermark (nothing to replay).
    Bound fromKind = Bound::Offset;
    qint64 from = 0;
    // Offset: the last offset replayed (inclusive). Timestamp: records stamped
    // before it (the first record at or after it is not replayed). End: up to the
    // high watermark seen when the replay starts.
    Bound toKind = Bound::End;
    qint64 to = -1;
};

// One record to replay, e.g. a `missing` gap of a check report. The id, when
// given, must be the record's: a topic recreated since the report holds other
// events at the same offsets, and those are not replayed.
struct ReplayTarget
{
    QByteArray topic;
    qint32 partition = -1;
    qint64 offset = -1;
    QByteArray id;
};

// What a replay reads, resolved once against the topic's partitions and watermarks
// before anything is sent: per partition, a stretch of offsets (a range) or the
// offsets of report targets, in log order.
struct ReplayPlan
{
    // A stretch of one partition still to read: [next, end) for a range, or the
    // sorted target offsets (with their expected ids) for a report.
    struct Work
    {
        qint32 partition = -1;
        qint64 next = 0;
        qint64 end = 0;
        QList<ReplayTarget> targets;
        qsizetype nextTarget = 0;
    };

    QByteArray topic;
    QList<Work> work;
    // What progress counts to: offsets of the range, or distinct targets.
    qint64 total = 0;
    // Targets: the distinct records asked for (each listed once), and why those
    // that cannot be read are not (gone below the low watermark, past the end, no
    // such partition): "events[2]@17 (id e-1): ...".
    qint64 requested = 0;
    QStringList notFound;
    // What the user should know that is not a failure: a range clamped to the
    // retained records, a partition the offset lies past, a target listed twice.
    QStringList notices;

    // Nullopt and *error for an offset past the end of every partition, an unknown
    // partition, a partition without watermarks, an unreachable cluster or a
    // timestamp that cannot be resolved. Each Kafka request bounded by timeoutMs.
    static std::optional<ReplayPlan> ofRange(kafka::KafkaBrowser &browser, const ReplayRange &range,
                                             int timeoutMs, QString *error);
    // Nullopt and *error for targets in several topics or a topic that cannot be read.
    static std::optional<ReplayPlan> ofTargets(kafka::KafkaBrowser &browser,
                                               const QList<ReplayTarget> &targets, int timeoutMs,
                                               QString *error);
};

// "events[2]" and "events[2]@17", as the replay's messages name places.
QString partitionPlace(const QByteArray &topic, qint32 partition);
QString recordPlace(const QByteArray &topic, qint32 partition, qint64 offset);

} // namespace dualscope::publish
