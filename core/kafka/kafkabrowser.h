// SPDX-License-Identifier: MIT
#pragma once

#include "kafka/browsertypes.h"
#include "kafka/kafkaconfig.h"
#include "kafka/kafkarecord.h"

#include <QByteArray>
#include <QDeadlineTimer>
#include <QList>
#include <QSet>
#include <QString>
#include <functional>
#include <optional>

struct rd_kafka_message_s;

namespace dualscope::kafka {

// Reads a Kafka cluster on demand: metadata, watermarks, pages of records at an
// offset, a timestamp or the end, consumer-group lag. Never reads a partition
// from its start to reach an offset: a page is fetched by assigning the
// partition at the page's first offset.
//
// Every call blocks the calling thread until it is answered or its timeout
// passed, so call it from a worker thread, never from the GUI thread. One
// thread at a time per browser (the handle is shared between calls); separate
// browsers are independent.
class KafkaBrowser final
{
public:
    static constexpr int kMaxPageCount = kafka::kMaxPageCount;
    // The longest one partition's watermark query may take within a topic listing.
    static constexpr int kWatermarkQueryCapMs = 2000;

    KafkaBrowser(QByteArray bootstrap, Properties properties);
    ~KafkaBrowser();
    KafkaBrowser(const KafkaBrowser &) = delete;
    KafkaBrowser &operator=(const KafkaBrowser &) = delete;

    // Creates the client handle; does not contact the cluster yet (the first
    // request does, under its own timeout). False on a refused property.
    bool open(QString *error);
    bool isOpen() const { return m_consumer != nullptr; }
    QByteArray bootstrap() const { return m_bootstrap; }

    std::optional<QList<BrokerInfo>> brokers(int timeoutMs, QString *error);
    // The brokers the last metadata answer listed (brokers(), topics(), topic()):
    // what a refresh probes without asking the cluster again. Empty before the first.
    const QList<BrokerInfo> &lastSeenBrokers() const { return m_lastSeenBrokers; }
    // Every topic with its partitions and watermarks, sorted by name.
    std::optional<QList<TopicInfo>> topics(int timeoutMs, QString *error);
    std::optional<TopicInfo> topic(const QByteArray &name, int timeoutMs, QString *error);
    // Low and high watermark of one partition, asked of its leader.
    bool watermarks(const QByteArray &topic, qint32 partition, qint64 *low, qint64 *high,
                    int timeoutMs, QString *error);

    std::optional<Page> page(const PageRequest &request, QString *error);

    // The first offset whose record has a timestamp >= tsMs. Asks the broker
    // (offsets-for-times); when it cannot answer (librdkafka 2.0.2's mock, old
    // clusters) bisects [low, high) on record timestamps, O(log n) one-record
    // reads. Assumes timestamps that do not decrease along the log (LogAppendTime,
    // or CreateTime of a well-behaved producer); otherwise it returns one
    // crossing point. A timestamp after the last record gives the high watermark;
    // one before the first retained record gives the low watermark (Kafka's own
    // answer) — `notice`, when given, says which of the two happened.
    std::optional<qint64> offsetForTimestamp(const QByteArray &topic, qint32 partition, qint64 tsMs,
                                             int timeoutMs, QString *error,
                                             QString *notice = nullptr);

    std::optional<QList<GroupInfo>> groups(int timeoutMs, QString *error);
    // Committed offsets of `group` (read with OffsetFetch, without joining the
    // group) against the high watermarks of every partition of `topic`.
    std::optional<QList<GroupLag>> groupLag(const QByteArray &group, const QByteArray &topic,
                                            int timeoutMs, QString *error);

private:
    struct ReadResult
    {
        QList<KafkaRecord> records;
        bool reachedEnd = false;
    };
    // Up to `count` records from `offset`, stopping at the partition's end
    // (EOF, or the record before `high`), or at the deadline.
    std::optional<ReadResult> read(const QByteArray &topic, qint32 partition, qint64 offset,
                                   int count, qint64 high, QDeadlineTimer deadline, QString *error);
    // The first record at or after `offset`, or none when it is at the end.
    std::optional<std::optional<KafkaRecord>> recordAt(const QByteArray &topic, qint32 partition,
                                                       qint64 offset, qint64 high,
                                                       QDeadlineTimer deadline, QString *error);
    std::optional<qint64> bisectTimestamp(const QByteArray &topic, qint32 partition, qint64 tsMs,
                                          qint64 low, qint64 high, QDeadlineTimer deadline,
                                          QString *error);
    std::optional<qint64> resolveTimestamp(const QByteArray &topic, qint32 partition, qint64 tsMs,
                                           qint64 low, qint64 high, QDeadlineTimer deadline,
                                           QString *error, QString *notice);
    bool ensureOpen(QString *error);
    std::optional<QList<TopicInfo>> metadataTopics(QDeadlineTimer deadline, int timeoutMs,
                                                   QString *error);
    // The topic exists (cached per browser): guards every request naming a topic.
    bool checkTopic(const QByteArray &topic, QDeadlineTimer deadline, int timeoutMs,
                    QString *error);
    bool queryWatermarks(const QByteArray &topic, qint32 partition, qint64 *low, qint64 *high,
                         int timeoutMs, QString *error);
    void fillWatermarks(TopicInfo *topic, QDeadlineTimer deadline);

    QByteArray m_bootstrap;
    Properties m_properties;
    HandlePtr m_consumer;
    QSet<QByteArray> m_knownTopics;
    QList<BrokerInfo> m_lastSeenBrokers;
};

// A consumed librdkafka message as a value: key/value null-ness, headers,
// timestamp and its type. Shared by the browser and the tail.
KafkaRecord recordFromMessage(const rd_kafka_message_s *message);

// A consumer handle whose consumer queue also carries errors and EOF events
// (rd_kafka_poll_set_consumer). Shared by the browser and the tail. `prepare`, when
// given, sets callbacks on the configuration before the handle is made (a group
// member's rebalance callback).
HandlePtr newConsumer(const QByteArray &bootstrap, const Properties &properties, QString *error,
                      const std::function<void(rd_kafka_conf_s *)> &prepare = {});

// A "Local: ..." / "Broker: ..." text for an error code, for messages.
QString errorText(int err);

} // namespace dualscope::kafka
