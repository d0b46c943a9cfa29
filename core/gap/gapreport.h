// SPDX-License-Identifier: MIT
#pragma once

#include "gap/gaptypes.h"
#include "metrics/latencyhistogram.h"

#include <QByteArray>
#include <QList>
#include <QMetaType>
#include <QString>
#include <optional>

// The files `dualscope-cli check` writes (docs/design.md, "The CLI") and `replay
// --report` reads. All functions are pure and thread-safe.
namespace dualscope::gap {

// The "format" member of every report; a reader refuses any other value.
inline constexpr char kReportFormat[] = "dualscope-check-report/1";

struct PartitionRange
{
    qint32 partition = -1;
    qint64 firstOffset = -1;
    qint64 lastOffset = -1;

    friend bool operator==(const PartitionRange &, const PartitionRange &) = default;
};

// Latency percentiles as written in the report, in milliseconds (fractional:
// the histogram records microseconds).
struct LatencySummary
{
    double p50 = 0;
    double p90 = 0;
    double p99 = 0;
    double max = 0;

    static LatencySummary of(const metrics::LatencyHistogram &histogram);
    friend bool operator==(const LatencySummary &, const LatencySummary &) = default;
};

// What the verdicts depend on: reports made with other settings do not merge.
struct ReportSettings
{
    qint64 graceMs = 0;
    qint64 lateMs = 0;
    qint64 maxNotificationBytes = 0;
    QString channelTemplate;
    // A check in a consumer group (check --group): its name, and this instance's.
    QString group;
    QString instance;

    friend bool operator==(const ReportSettings &, const ReportSettings &) = default;
};

struct ReportWindow
{
    qint64 startMs = 0;
    qint64 endMs = 0;
    QByteArray topic;
    QList<PartitionRange> partitions;
    QList<QByteArray> patterns;
    QList<RedisOutage> outages;
    // The checker's own lag, apart from the system's latency: how far behind real
    // time it had read its Redis subscription, and the Kafka topic.
    LatencySummary checkerLagMs;
    LatencySummary kafkaTailLagMs;
    // Offsets the Kafka tail could not read (retention overtook it): first..last.
    QList<PartitionRange> kafkaSkipped;
    ReportSettings settings;

    friend bool operator==(const ReportWindow &, const ReportWindow &) = default;
};

struct ParsedReport
{
    GapCounts counts; // kafkaEvents is derived: matched + missing + wrong_channel + unobserved
    LatencySummary latencyMs;
    // The delivery latency as buckets, when the report carries them (this version
    // writes them): what merges exactly.
    std::optional<metrics::LatencyHistogram> latency;
    ReportWindow window;
    QList<Gap> gaps;
};

// The JSON report, pretty-printed:
// {"format": "dualscope-check-report/1",
//  "counts": {"matched": n, "missing": n, ... one per kind ..., "kafka_records": n,
//             "redis_notifications": n, "revised": n, "outside_window_records": n,
//             "outside_window_notifications": n, "unjudged_notifications": n},
//  "latency_ms": {"p50": x, "p90": x, "p99": x, "max": x},
//  "latency_histogram": {"scheme": "log2-16/us", "min": us, "max": us, "sum": us,
//                        "buckets": [[index, count], ...]},
//  "checker_lag_ms": {...the same...}, "kafka_tail_lag_ms": {...the same...},
//  "settings": {"grace_ms": n, "late_ms": n, "max_notification_bytes": n,
//               "channel_template": s, "group": s|null, "instance": s|null},
//  "window": {"start": ISO, "end": ISO, "topic": s,
//             "partitions": [{"partition": n, "first_offset": n, "last_offset": n}],
//             "patterns": [s], "redis_outages": [{"start": ISO, "end": ISO|null,
//             "cause": s}], "dropped_notifications": n,
//             "forgotten_early_ids": n, "kafka_skipped": [{"partition": n,
//             "first_offset": n, "last_offset": n}]},
//  "gaps": [{"kind": s, "id": s|null, "partition": n|null, "offset": n|null,
//            "channel": s|null, "expected_channel": s|null, "kafka_ts": ISO|null,
//            "redis_ts": ISO|null, "detail": s, "revises": kind|null}]}
// key_spread, reordered, revised, the outside and unjudged counts and the lags are
// optional to the reader (reports of earlier versions lack them).
// Unknown values (-1, empty) are null; bytes that are not UTF-8 become U+FFFD.
QByteArray writeJsonReport(const GapCounts &counts, const metrics::LatencyHistogram &latency,
                           const ReportWindow &window, const QList<Gap> &gaps);

// Refuses anything that is not a report of this format version with an error
// that starts "not a Dualscope check report: " (or names the unsupported version).
std::optional<ParsedReport> readJsonReport(const QByteArray &json, QString *error);

// JUnit XML for CI: one <testcase> per kind; matched passes (its count in
// <system-out>), every other kind fails when it has gaps, with the count and up
// to kJUnitExampleIds example ids.
inline constexpr int kJUnitExampleIds = 20;
QByteArray writeJUnitReport(const GapCounts &counts, const QList<Gap> &gaps,
                            const QString &suiteName);

} // namespace dualscope::gap

Q_DECLARE_METATYPE(dualscope::gap::ReportWindow)
