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

// The one outcome of one publish. Plain value type.
struct PublishOutcome
{
    quint64 ticket = 0; // the caller's sequence number for the event
    QByteArray eventId;
    bool kafkaOk = false;
    qint32 partition = -1;
    qint64 offset = -1;
    QString kafkaError; // empty when kafkaOk
    RedisOutcome redis = RedisOutcome::NotAttempted;
    QString redisError;
};

struct LatencySummary
{
    qint64 count = 0;
    qint64 p50Us = 0;
    qint64 p90Us = 0;
    qint64 p99Us = 0;
    qint64 maxUs = 0;
};

// Counters since start(). requested = kafkaAcked + kafkaFailed + inFlight.
struct PublisherStats
{
    qint64 requested = 0;
    qint64 kafkaAcked = 0;
    qint64 kafkaFailed = 0;
    qint64 redisSent = 0;
    qint64 redisSkipped = 0;
    qint64 redisFailed = 0;
    qint64 redisOutages = 0;
    qint64 inFlight = 0;
    bool redisUp = false;
    LatencySummary kafkaAck;   // produce call to delivery report
    LatencySummary redisReply; // PUBLISH write to its reply
};

const char *toString(RedisOutcome outcome);
const char *toString(Ordering ordering);

} // namespace dualscope::publish

Q_DECLARE_METATYPE(dualscope::publish::PublishOutcome)
Q_DECLARE_METATYPE(dualscope::publish::PublisherStats)
