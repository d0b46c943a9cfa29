// SPDX-License-Identifier: MIT
#pragma once

#include "kafka/kafkaconfig.h"
#include "kafka/kafkarecord.h"

#include <QHash>
#include <QList>
#include <QMutex>
#include <QElapsedTimer>
#include <QObject>
#include <atomic>
#include <memory>

class QTimer;

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
    void stop();

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
    QHash<qint32, qint64> m_startOffsets;
    QList<KafkaRecord> m_batch;
    bool m_caughtUp = false;
    qint64 m_readUpToMs = -1;
    QElapsedTimer m_lastWatermarkQuery;
    bool m_running = false;
    mutable QMutex m_positionsMutex; // guards the offsets in m_partitions for positions()
};

} // namespace dualscope::kafka
