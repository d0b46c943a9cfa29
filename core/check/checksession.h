// SPDX-License-Identifier: MIT
#pragma once

#include "gap/gapdetector.h"
#include "gap/gapreport.h"
#include "kafka/kafkaconfig.h"
#include "kafka/partitioner.h"
#include "redis/redisurl.h"

#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QObject>
#include <atomic>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

class QThread;
class QTimer;

namespace dualscope::kafka {
class KafkaTail;
struct KafkaRecord;
} // namespace dualscope::kafka
namespace dualscope::redis {
class RedisMonitor;
struct PubSubMessage;
struct SubscriptionOutage;
} // namespace dualscope::redis

namespace dualscope::check {

Q_DECLARE_LOGGING_CATEGORY(lcCheck)

struct CheckConfig
{
    QByteArray kafkaBootstrap;
    kafka::Properties kafkaProperties;
    QByteArray topic = "events";
    redis::RedisUrl redisUrl;
    QList<QByteArray> patterns{QByteArrayLiteral("events:*")};
    gap::GapDetector::Config detector;
    enum class From { End, Beginning, Timestamp };
    From from = From::End;
    qint64 fromTimestampMs = 0;
    // The window ends after this long (0: only stop() or idleness end it).
    qint64 durationMs = 0;
    // The window ends once neither stream carried anything for this long (0: off).
    qint64 untilIdleMs = 0;
    // snapshot() this often while the window is open (0: never): rolling reports.
    qint64 snapshotEveryMs = 0;
    // Non-empty: this checker is one member of a consumer group of checkers. The group
    // splits the topic's partitions; this member judges the records of its partitions
    // and only the notifications whose channel maps to them (the channel's source id,
    // the record's key, through `partitioner`), and commits the offsets it has judged.
    QString group;
    kafka::KeyPartitioner partitioner = kafka::KeyPartitioner::Murmur2;
    // Names this member in its report.
    QString instance;
    // Gaps kept for the report; beyond this they are counted only (a week-long
    // watch with a broken publisher must not fill the memory with gap rows).
    qsizetype maxReportedGaps = 100'000;
    int connectTimeoutMs = 5000;
    // The GUI's one subscription per pattern: when set, the session takes the
    // messages of its patterns from this monitor instead of subscribing on a
    // connection of its own. The caller owns the monitor, has moved it to a thread,
    // built it with consumerBacklog = sharedMonitorBacklog (so that a lagging check
    // still pauses its reading), and starts it only after start() returned (the
    // session adds its patterns first, so it sees the first subscription). Messages
    // of the monitor's other subscriptions (a live view's channels) are ignored.
    redis::RedisMonitor *sharedMonitor = nullptr;
    std::shared_ptr<std::atomic<qint64>> sharedMonitorBacklog;
};

// Once a second: where the check stands (progress lines, metrics, status bars).
struct CheckStatus
{
    gap::GapCounts counts;
    metrics::LatencyHistogram latency;
    qint64 redisLagMs = -1; // how far behind real time the checker reads; -1: not known
    qint64 kafkaLagMs = -1;
    qint64 outages = 0; // of its own Redis subscription
    int partitions = 0; // judged by this checker
};

struct CheckResult
{
    gap::GapCounts counts;
    metrics::LatencyHistogram latency;
    gap::ReportWindow window;
    QList<gap::Gap> gaps;
    qint64 gapsNotListed = 0;
};

// A reconciliation run: tails the Kafka topic and subscribes to the Redis patterns,
// each on a thread of its own, and feeds both into a GapDetector on this object's
// thread. The engine of `dualscope-cli check` and of the GUI's gap panel.
//
// Threading: move to a worker thread and invoke start() there; every method on that
// thread. Signals are emitted on that thread.
class CheckSession final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CheckSession)

public:
    explicit CheckSession(CheckConfig config, QObject *parent = nullptr);
    ~CheckSession() override;

    void start();
    // Ends the window now; finished() follows after the grace window, so that the
    // notifications of the last events can still arrive.
    void stop();

    gap::GapCounts counts() const { return m_detector ? m_detector->counts() : gap::GapCounts(); }
    // Follows one event (the GUI's "Fire one"): eventTraced() now and at each tick
    // its status changes, until another id is traced or the checker forgets it. The
    // status is looked up, not caught in passing, so an id traced after its verdict
    // was given still gets it.
    void traceEvent(const QByteArray &id);
    // Where each of these events stands now, as statusOf() says, in one
    // statusesReported() (a live view's rows loaded from Kafka ask for their verdicts).
    void reportStatuses(const QList<QByteArray> &ids);

signals:
    // Subscribed to Redis and positioned in Kafka: traffic from now on is judged.
    void ready();
    // Something the user should know that does not end the check (Redis unreachable
    // at start).
    void warning(const QString &message);
    void gapsFound(const QList<dualscope::gap::Gap> &gaps);
    // Every tick with matches, when CheckConfig::detector.reportNewestMatches asks
    // for them: the newest ones, for a live view's verdict column.
    void matchesFound(const QList<dualscope::gap::MatchedEvent> &matches);
    void progress(const dualscope::gap::GapCounts &counts);
    // The traced event's status, each time it changes (see traceEvent()).
    void eventTraced(const dualscope::gap::EventStatus &status);
    void statusesReported(const QList<dualscope::gap::EventStatus> &statuses);
    // About once a second: the latency distribution of the matches so far.
    void latencySnapshot(const dualscope::metrics::LatencyHistogram &latency);
    // With it, once a second: the window so far (topic, partitions read, patterns,
    // outages, lags, settings), as the report writes it.
    void windowSnapshot(const dualscope::gap::ReportWindow &window);
    // About once a second, while the window is open.
    void status(const dualscope::check::CheckStatus &status);
    void finished(const dualscope::check::CheckResult &result);
    // Group mode: the partitions this member owns now, after each change.
    void partitionsChanged(const QList<qint32> &owned);
    // Every CheckConfig::snapshotEveryMs: the result so far (a long watch's report).
    void snapshot(const dualscope::check::CheckResult &result);
    void failed(const QString &error);

private:
    void onRecords(const QList<kafka::KafkaRecord> &records);
    void onMessages(const QList<redis::PubSubMessage> &messages);
    void onOutageStarted(const redis::SubscriptionOutage &outage);
    void onOutageEnded(const redis::SubscriptionOutage &outage);
    void onKafkaReadUpTo(qint64 wallMs);
    void onPartitionsAssigned(const QList<qint32> &partitions, qint32 partitionCount, qint64 atMs);
    void onPartitionsRevoked(const QList<qint32> &partitions, qint64 atMs);
    // Group mode: the partition a channel's records are on (by its source id); a channel
    // the template cannot read counts as partition 0's, so exactly one member judges it.
    qint32 partitionOfChannel(const QByteArray &channel);
    QList<qint32> ownedPartitions() const;
    void commitJudged();
    void sampleLag();
    void tick();
    void endWindow();
    void finish();
    CheckResult resultSoFar() const;
    gap::ReportWindow windowSoFar() const;
    void collectGaps();
    void reportTrace();
    void fail(const QString &error);
    void maybeReady();
    void startJudging(qint64 observedSinceMs);
    void stopPeers();

    CheckConfig m_config;
    // Made once the Redis subscription is active: what Kafka holds from before that
    // moment cannot be judged (the detector calls it unobserved).
    std::optional<gap::GapDetector> m_detector;
    QThread *m_kafkaThread = nullptr;
    QThread *m_redisThread = nullptr;
    kafka::KafkaTail *m_tail = nullptr;
    redis::RedisMonitor *m_monitor = nullptr;
    QTimer *m_tick = nullptr;
    QElapsedTimer m_sinceStart;
    QElapsedTimer m_sinceActivity;
    QElapsedTimer m_sinceSnapshot;
    bool m_subscribed = false;
    bool m_positioned = false;
    bool m_ready = false;
    bool m_windowOpen = false;
    bool m_redisUnreachableAtStart = false;
    QString m_redisUnreachableCause;

    bool m_done = false;
    // The detector's clock: the Redis monitor's deliveredUpTo(). Judging "missing"
    // against our own clock would be wrong whenever this thread lags behind the
    // monitor's batches.
    qint64 m_redisClockMs = 0;
    // The tail's clock: every record appended before it has been handed over.
    qint64 m_kafkaClockMs = 0;
    // Messages the monitor handed over that this thread has not taken in.
    std::shared_ptr<std::atomic<qint64>> m_redisBacklog = std::make_shared<std::atomic<qint64>>(0);
    // Records likewise, for the Kafka tail.
    std::shared_ptr<std::atomic<qint64>> m_kafkaBacklog = std::make_shared<std::atomic<qint64>>(0);
    // Where the tail starts reading, as a record time (records before it are not read).
    qint64 m_tailStartMs = 0;
    metrics::LatencyHistogram m_redisLag; // microseconds, sampled every tick
    metrics::LatencyHistogram m_kafkaLag;
    qint64 m_windowStartMs = 0;
    qint64 m_windowEndMs = -1; // -1 while the window is open
    qint64 m_windowEndMonoMs = -1;
    QList<gap::Gap> m_gaps;
    // Rows of m_gaps holding a missing or unobserved verdict, by id: a revision
    // replaces its row.
    QHash<QByteArray, qsizetype> m_silentGapRows;
    // traceEvent()'s id, the status last emitted for it, and its newest gap's words.
    QByteArray m_tracedId;
    std::optional<gap::EventStatus> m_tracedStatus;
    QString m_tracedDetail;
    QList<gap::PartitionRange> m_kafkaSkipped;
    qint64 m_gapsNotListed = 0;
    int m_ticks = 0;

    // Group mode. Per partition (by index), until when its notifications are kept:
    // forever while owned, one grace window after a revocation (this member judges
    // what it read), never for another member's partition.
    std::vector<qint64> m_keepNotificationsUntil;
    qint32 m_partitionCount = 0;
    QHash<QByteArray, qint32> m_channelPartitions;
    // Per owned partition, its records not yet judged for sure (offset, the deadline
    // of their verdict) in offset order, and the offset after the last one read: the
    // committed offset is the first record whose verdict may still be open.
    struct Uncommitted
    {
        std::deque<std::pair<qint64, qint64>> records;
        qint64 next = -1;
    };
    QHash<qint32, Uncommitted> m_uncommitted;
};

} // namespace dualscope::check

Q_DECLARE_METATYPE(dualscope::check::CheckResult)
Q_DECLARE_METATYPE(dualscope::check::CheckStatus)
