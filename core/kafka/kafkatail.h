// SPDX-License-Identifier: MIT
#pragma once

#include "kafka/kafkaconfig.h"
#include "kafka/kafkarecord.h"

#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QMutex>
#include <QObject>
#include <atomic>
#include <memory>

class QTimer;
struct rd_kafka_topic_partition_list_s;

namespace dualscope::kafka {

struct TailOptions
{
    enum class From { End, Beginning, Timestamp, Offsets };

    QByteArray topic;
    // Empty: every partition of the topic.
    QList<qint32> partitions;
    From from = From::End;
    qint64 timestampMs = 0;        // From::Timestamp
    QHash<qint32, qint64> offsets; // From::Offsets; a partition without one starts at its end
    // Bounds start(): metadata, watermarks and timestamp lookups.
    int resolveTimeoutMs = 10000;
    // Optional: records handed out and not yet taken in by the consumer (it subtracts
    // what it processed). Past the bound the tail consumes nothing more until the
    // consumer catches up: librdkafka's bounded prefetch then waits too.
    std::shared_ptr<std::atomic<qint64>> consumerBacklog = {};
    qint64 maxConsumerBacklog = 50'000;
    // Non-empty: join this consumer group instead of assigning partitions (see
    // KafkaTail). `partitions` is then ignored; `from` applies to a partition the
    // group has no committed offset for.
    QByteArray group = {};
};

// First and last offset the tail consumed from a partition; -1 when none yet.
struct TailPosition
{
    qint32 partition = -1;
    qint64 firstOffset = -1;
    qint64 lastOffset = -1;
};

// Follows a topic (or some of its partitions) from a position, with assign()
// and no consumer group: nothing is ever committed.
//
// With TailOptions::group it is a member of that consumer group instead (roundrobin
// assignment by default; see groupProperties()): the group decides which partitions it reads, a
// partition starts at the group's committed offset (else at `from`), and offsets are
// committed only when told, by commit() for what the consumer has finished with, and
// on a revocation for everything handed out (the consumer promised to finish those).
// partitionsAssigned() and partitionsRevoked() say when ownership changes.
//
// Threading: create it in, or move it to, a worker thread and invoke start()
// and stop() there; every signal is emitted on that thread. positions() may be
// called from any thread. start() blocks its thread while it resolves the
// start positions (bounded by resolveTimeoutMs); from then on a timer polls the
// consumer without blocking.
class KafkaTail final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(KafkaTail)

public:
    using From = TailOptions::From;

    KafkaTail(QByteArray bootstrap, Properties properties, TailOptions options,
              QObject *parent = nullptr);
    ~KafkaTail() override;

    QList<TailPosition> positions() const;
    // Where each partition started, once positioned() was emitted.
    QHash<qint32, qint64> startOffsets() const;

public slots:
    // Resolves every partition's start offset, assigns them, emits positioned()
    // and begins polling. On failure emits errorOccurred() and stays stopped.
    void start();
    // Stops polling and closes the consumer; no signal is emitted after it returns.
    // A group member leaves its group without committing anything more.
    void stop();
    // Group mode: commits these next offsets (asynchronously), each only for a
    // partition still assigned, only forward, and never past what was handed out.
    void commit(const QHash<qint32, qint64> &nextOffsets);
    // Group mode: commits every assigned partition's next offset and waits for the
    // answer (the consumer judged everything it was handed).
    void commitEverythingRead();
    // Group mode: partitions the group gives from now on are taken (the protocol asks
    // for it) but paused, never read and never announced: the consumer's window has
    // ended, and what another member hands over is judged by whoever stays.
    void declineNewPartitions();

signals:
    // Records in consumption order, a batch per poll tick (never one per record).
    void records(const QList<dualscope::kafka::KafkaRecord> &batch);
    // Once: every partition's start offset is resolved and assigned. Records
    // produced after it are seen (the CLI's READY line waits for it).
    void positioned();
    // True once every partition reached its high watermark, false when records
    // arrive again. Records of a batch come before the caughtUp(true) they lead to.
    void caughtUp(bool caughtUp);
    // Every record appended to the topic before this wall-clock time has been
    // emitted (its high watermark at that time was reached on every partition).
    // Moves on under steady traffic too, where caughtUp(true) may never come.
    void readUpTo(qint64 wallMs);
    // Records of a partition were never handed out: its offsets jumped from `from`
    // to `to` (exclusive), because retention deleted them before they were read (or
    // compaction removed them). Consumers that judge by what Kafka holds must know.
    void recordsSkipped(qint32 partition, qint64 from, qint64 to);
    void errorOccurred(const QString &message);
    // Group mode: the group gave this member these partitions (of partitionCount) at
    // wall time atMs; their records follow. The first assignment comes with
    // positioned(), also when it is empty.
    void partitionsAssigned(const QList<qint32> &partitions, qint32 partitionCount, qint64 atMs);
    // Group mode: these partitions were taken away at atMs; every record of them the
    // member read was emitted before. `lost`: the group gave them away without asking
    // (this member missed its session timeout), and nothing was committed.
    void partitionsRevoked(const QList<qint32> &partitions, bool lost, qint64 atMs);

private:
    struct PartitionState
    {
        qint32 partition = -1;
        qint64 next = -1;        // offset of the next record to consume
        qint64 firstOffset = -1; // consumed
        qint64 lastOffset = -1;
        bool atEnd = false;
        qint64 readUpToMs = -1;     // everything appended before it was read
        qint64 targetOffset = -1;   // a high watermark asked for, not reached yet
        qint64 targetAskedAtMs = 0; // when it was asked for
    };

    bool resolveStart(QString *error);
    // Start offsets of `wanted` per the options, a committed offset winning; the topic's
    // partition count in *partitionCount.
    bool resolveStarts(const QList<qint32> &wanted, const QHash<qint32, qint64> &committed,
                       QList<PartitionState> *states, qint32 *partitionCount, QString *error);
    bool joinGroup(QString *error);
    void assignFromGroup(::rd_kafka_topic_partition_list_s *partitions);
    void revokeFromGroup(::rd_kafka_topic_partition_list_s *partitions);
    void startPolling();
    void poll();
    void flush();
    void updateCaughtUp();
    void queryWatermarks();
    void updateReadUpTo();
    PartitionState *stateOf(qint32 partition);

    const QByteArray m_bootstrap;
    const Properties m_properties;
    const TailOptions m_options;
    HandlePtr m_consumer;
    QTimer *m_timer = nullptr;
    QList<PartitionState> m_partitions;
    // Group mode: partitions read and since revoked (the report's ranges), the last
    // offset committed per assigned partition, the topic's partition count.
    QList<TailPosition> m_retired;
    QHash<qint32, qint64> m_committed;
    qint32 m_partitionCount = 0;
    bool m_groupPositioned = false;
    bool m_closing = false;
    bool m_declineNewPartitions = false;
    QHash<qint32, qint64> m_startOffsets;
    QList<KafkaRecord> m_batch;
    bool m_caughtUp = false;
    qint64 m_readUpToMs = -1;
    QElapsedTimer m_lastWatermarkQuery;
    bool m_running = false;
    mutable QMutex m_positionsMutex; // guards the offsets in m_partitions for positions()
};

} // namespace dualscope::kafka
