// SPDX-License-Identifier: MIT
#pragma once

#include "event/channeltemplate.h"
#include "event/event.h"
#include "event/eventcodec.h"
#include "kafka/kafkaconfig.h"
#include "metrics/latencyhistogram.h"
#include "publish/defectplan.h"
#include "publish/failuretally.h"
#include "publish/notificationsender.h"
#include "publish/publishoutcome.h"
#include "redis/redisurl.h"

#include <QHash>
#include <QLoggingCategory>
#include <QObject>
#include <QSet>
#include <deque>
#include <optional>

class QSocketNotifier;
class QThread;
class QTimer;
struct rd_kafka_message_s;

namespace dualscope::redis {
struct RedisError;
} // namespace dualscope::redis

namespace dualscope::publish {

Q_DECLARE_LOGGING_CATEGORY(lcPublisher)

struct PublisherConfig
{
    QByteArray kafkaBootstrap;
    // Applied after producerDefaults(), so any librdkafka property can be overridden.
    kafka::Properties kafkaProperties;
    QByteArray topic = "events";
    redis::RedisUrl redisUrl;
    event::ChannelTemplate channelTemplate = event::ChannelTemplate::defaultTemplate();
    Ordering ordering = Ordering::KafkaFirst;
    // How long a publish waits for room in a full local producer queue.
    int enqueueTimeoutMs = 5000;
    // Bounds start(): the topic's metadata and the first Redis handshake.
    int connectTimeoutMs = 5000;
    // Emit outcomesReady() with every event's outcome (tests, the GUI's detail
    // view); off, only the counters are kept, which is what a 1M-event run wants.
    bool reportOutcomes = false;
    // Defects staged on the notification path (the harness): none by default.
    std::optional<DefectPlan> defects;
    // How long a staged `late` notification is held back: between the checker's
    // default late threshold (1000 ms) and its grace window (2000 ms).
    int injectDelayMs = 1500;
};

// Publishes events the dual-stream way: Kafka is the critical path, Redis
// best-effort. Every publish ends in exactly one PublishOutcome.
//
// Threading: construct anywhere, then move to a worker thread; every method is
// called on that thread (queued invocations from elsewhere). All signals are
// emitted on the worker thread. Redis I/O runs on a second thread of the
// publisher's own ("dualscope-redis"), see NotificationSender.
class DualPublisher final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DualPublisher)

public:
    explicit DualPublisher(PublisherConfig config, QObject *parent = nullptr);
    ~DualPublisher() override;

    // Creates the producer, checks that the topic exists (bounded by
    // connectTimeoutMs) and connects to Redis. Ends in started() or startFailed().
    // Redis is best-effort: unreachable at start, it is an outage from the first
    // moment (Kafka goes on, notifications are skipped and counted, the connection
    // keeps retrying). Only what retrying cannot fix fails start(): a refused
    // password or database, a peer that is not Redis, a TLS set-up that cannot work.
    void start();

    // Encodes and enqueues. A full local queue is waited on (the producer is
    // polled meanwhile) up to enqueueTimeoutMs, then that publish fails. Events
    // that fail validation fail at once with a message naming the field.
    void publish(const event::Event &event, quint64 ticket);
    // One Kafka produce batch; the notifications go out as one Redis pipeline.
    // Event i gets ticket firstTicket + i.
    void publishBatch(const QList<event::Event> &events, quint64 firstTicket);

    // Stops intake, flushes Kafka and waits for Redis replies until the deadline,
    // then purges what is left (reported as failed, "not delivered before
    // shutdown"). Ends in shutdownFinished().
    void shutdown(int timeoutMs);

    PublisherStats stats() const;
    // The newest event Kafka acknowledged (its id, partition, offset, ack latency);
    // ticket 0 and offset -1 before any.
    const PublishOutcome &lastAcked() const { return m_lastAcked; }
    // The defects staged so far: kind and event id (the orphan's own id; empty for a
    // stray message).
    QList<std::pair<Defect, QByteArray>> injectedDefects() const { return m_injected; }
    qint64 inFlight() const { return m_liveCount; }
    bool isRedisUp() const { return m_redisUp; }
    bool isStarted() const { return m_started; }

signals:
    void started();
    void startFailed(const QString &error);
    void outcomesReady(const QList<dualscope::publish::PublishOutcome> &outcomes);
    // Once per change: a Redis outage starts or ends.
    void redisStatusChanged(bool up, const QString &message);
    void shutdownFinished(qint64 undelivered);

private:
    struct InFlight;

    static void onDeliveryReport(struct rd_kafka_s *rk, const rd_kafka_message_s *message,
                                 void *opaque);
    void handleDelivery(const rd_kafka_message_s *message);

    InFlight *prepare(const event::Event &event, quint64 ticket, QByteArray *values);
    void produce(const QList<event::Event> &events, std::vector<InFlight *> &batch,
                 const QByteArray &values, const std::vector<qsizetype> &valueEnds);
    void link(InFlight *item);
    void unlink(InFlight *item);
    void failBeforeKafka(quint64 ticket, const QByteArray &eventId, const QString &code,
                         const QString &reason, const QString &error);
    void kafkaDone(InFlight *item, KafkaStatus status, qint32 partition, qint64 offset,
                   const QString &code, const QString &reason, QString error);
    void redisDone(InFlight *item, RedisOutcome outcome, QString error);
    void finishIfComplete(InFlight *item);
    void queueNotification(InFlight *item);
    // A withheld (staged missing) event's extras, for the next pipeline: an event
    // has one own defect, so they are orphans and strays, never its own copy.
    void keepExtras(InFlight *item);
    void stageDefects(InFlight *item, const event::Event &event, quint64 ticket);
    void releaseDelayed();
    void flushNotifications();
    void onBatchDone(const RedisBatchResult &result);
    void stopRedis();
    void pollKafka(int timeoutMs = 0);
    void emitOutcomes();
    void onRedisReady();
    void onRedisError(const redis::RedisError &error);
    void shutdownTick();
    void finishShutdown();

    PublisherConfig m_config;
    kafka::HandlePtr m_producer;
    kafka::TopicPtr m_topic;
    NotificationSender *m_sender = nullptr;
    QThread *m_redisThread = nullptr;
    QSocketNotifier *m_kafkaWake = nullptr;
    int m_wakePipe[2] = {-1, -1};
    QTimer *m_tick = nullptr;

    bool m_started = false;
    bool m_kafkaReady = false;
    bool m_redisEverUp = false;
    bool m_redisUp = false;
    bool m_inOutage = false;
    bool m_outageRefusalReported = false;
    bool m_closing = false;
    qint64 m_shutdownDeadlineNs = 0;

    // Every InFlight, in an intrusive list: O(1) in and out without an allocation,
    // and the destructor can free what never got its outcome.
    InFlight *m_liveHead = nullptr;
    qint64 m_liveCount = 0;
    QByteArray m_scratchChannel;
    QByteArray m_scratchNotification;
    std::vector<InFlight *> m_toNotify;                    // for the next Redis pipeline
    QHash<quint64, std::vector<InFlight *>> m_sentBatches; // handed to the sender
    quint64 m_lastBatchId = 0;
    // Pipelines of staged extras (copies, orphans, strays) not answered yet: they
    // belong to no event, but the run is not over, nor the shutdown drained, until
    // Redis has them; a stray staged after the last event is otherwise lost at exit
    // while --json lists it.
    QSet<quint64> m_extraBatches;
    // Extras of events whose own notification is withheld (staged missing): sent
    // with the next pipeline.
    QByteArray m_pendingExtras;
    int m_pendingExtraCount = 0;
    QList<PublishOutcome> m_outcomes; // batched until the next tick

    PublisherStats m_stats;
    PublishOutcome m_lastAcked;
    QList<std::pair<Defect, QByteArray>> m_injected;
    std::deque<std::pair<qint64, InFlight *>> m_delayed; // staged late ones, by due time
    FailureTally m_failures;
    // The producer's message.max.bytes: larger events are refused before librdkafka.
    qsizetype m_maxEventBytes = event::kDefaultMaxEventBytes;
    QString m_queueLimits; // for the message of a full queue
    metrics::LatencyHistogram m_kafkaLatency;
    metrics::LatencyHistogram m_redisLatency;
    qint64 m_skippedThisOutage = 0;
    qint64 m_outageStartNs = 0;
};

} // namespace dualscope::publish
