// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QList>
#include <QMetaType>
#include <QString>

namespace dualscope::publish {

// kafka-first: the notification goes out only after Kafka acknowledged the record
// (the contract). parallel: both at once, lower latency, orphans when Kafka fails.
enum class Ordering { KafkaFirst, Parallel };

enum class RedisOutcome {
    Sent,        // PUBLISH answered by the server
    Skipped,     // Redis was down: not attempted, counted
    Failed,      // written, but the server answered an error or the connection dropped
    NotAttempted // kafka-first and Kafka failed: the contract sends no notification
};

// What Kafka holds of an event, as librdkafka's message status says.
enum class KafkaStatus {
    Persisted,         // acknowledged: in the topic
    PossiblyPersisted, // sent, but no acknowledgement before the timeout: may be in the topic
    NotPersisted,      // refused, or never sent: not in the topic
};

// The one outcome of one publish. Plain value type.
struct PublishOutcome
{
    quint64 ticket = 0; // the caller's sequence number for the event
    QByteArray eventId;
    bool kafkaOk = false; // kafkaStatus == Persisted
    KafkaStatus kafkaStatus = KafkaStatus::NotPersisted;
    qint32 partition = -1;
    qint64 offset = -1;
    qint64 kafkaAckUs = -1; // from the produce call to the acknowledgement, when acked
    QString kafkaError;     // empty when kafkaOk
    QString kafkaErrorCode; // librdkafka's error name ("_MSG_TIMED_OUT") or ours
    RedisOutcome redis = RedisOutcome::NotAttempted;
    QString redisError;
};

// Kafka failures of one kind, for a summary that says why: the code is librdkafka's
// error name ("MSG_SIZE_TOO_LARGE", "_MSG_TIMED_OUT", "_QUEUE_FULL") or one of ours
// for what never reached librdkafka ("EVENT_TOO_LARGE", "INVALID_EVENT",
// "NO_CHANNEL", "NOT_STARTED", "SHUTTING_DOWN").
struct KafkaFailureReason
{
    QString code;
    QString text;    // what it means, with the limit where one applies
    QString example; // the first such event's own message
    qint64 count = 0;
    bool possiblyPersisted = false;

    friend bool operator==(const KafkaFailureReason &, const KafkaFailureReason &) = default;
};

struct LatencySummary
{
    qint64 count = 0;
    qint64 p50Us = 0;
    qint64 p90Us = 0;
    qint64 p99Us = 0;
    qint64 maxUs = 0;
};

// Counters since start().
// requested = kafkaAcked + kafkaPossiblyPersisted + kafkaFailed + inFlight.
struct PublisherStats
{
    qint64 requested = 0;
    qint64 kafkaAcked = 0;
    qint64 kafkaPossiblyPersisted = 0;
    qint64 kafkaFailed = 0; // not persisted
    qint64 redisSent = 0;
    qint64 redisSkipped = 0;
    qint64 redisWithheld = 0; // staged `missing` defects: not sent on purpose
    qint64 redisFailed = 0;
    qint64 redisOutages = 0;
    qint64 inFlight = 0;
    bool redisUp = false;
    LatencySummary kafkaAck;   // produce call to acknowledgement; count == kafkaAcked
    LatencySummary redisReply; // PUBLISH write to its reply; count == redisSent
    // Failed and possibly persisted events grouped by reason, the most frequent first.
    QList<KafkaFailureReason> kafkaFailureReasons;
};

const char *toString(RedisOutcome outcome);
const char *toString(Ordering ordering);

} // namespace dualscope::publish

Q_DECLARE_METATYPE(dualscope::publish::PublishOutcome)
Q_DECLARE_METATYPE(dualscope::publish::PublisherStats)
